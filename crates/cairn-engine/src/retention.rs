//! Retention policies as restic `forget` flags.
use crate::error::{EngineError, Result};
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::RetentionPolicy;

/// The `--keep-*` flags of a policy; None for keep-all (nothing is ever forgotten).
pub fn keep_flags(policy: &RetentionPolicy) -> Result<Option<Vec<String>>> {
    let flag = |name: &str, n: i32| (n > 0).then(|| vec![format!("--keep-{name}"), n.to_string()]);
    match &policy.policy {
        None => Err(EngineError::Invalid(
            "the retention policy has no kind set".into(),
        )),
        Some(Policy::PolicyKeepAll(_)) => Ok(None),
        Some(Policy::PolicyKeepLastN(n)) if *n < 1 => Err(EngineError::Invalid(format!(
            "keep last {n} would forget everything"
        ))),
        Some(Policy::PolicyKeepLastN(n)) => Ok(Some(vec!["--keep-last".into(), n.to_string()])),
        Some(Policy::PolicyTimeBucketed(b)) => {
            let flags: Vec<String> = [
                flag("last", b.keep_last_n),
                flag("hourly", b.hourly),
                flag("daily", b.daily),
                flag("weekly", b.weekly),
                flag("monthly", b.monthly),
                flag("yearly", b.yearly),
            ]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
            if flags.is_empty() {
                return Err(EngineError::Invalid(
                    "a time-bucketed policy with every count 0 would forget everything".into(),
                ));
            }
            Ok(Some(flags))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::retention_policy::TimeBucketedCounts;

    fn policy(p: Policy) -> RetentionPolicy {
        RetentionPolicy {
            policy: Some(p),
            ..Default::default()
        }
    }

    #[test]
    fn each_kind_maps_to_flags() {
        assert_eq!(
            keep_flags(&policy(Policy::PolicyKeepAll(true))).unwrap(),
            None
        );
        assert_eq!(
            keep_flags(&policy(Policy::PolicyKeepLastN(3)))
                .unwrap()
                .unwrap(),
            vec!["--keep-last", "3"]
        );
        let b = TimeBucketedCounts {
            daily: 7,
            monthly: 2,
            keep_last_n: 1,
            ..Default::default()
        };
        assert_eq!(
            keep_flags(&policy(Policy::PolicyTimeBucketed(Box::new(b))))
                .unwrap()
                .unwrap(),
            vec![
                "--keep-last",
                "1",
                "--keep-daily",
                "7",
                "--keep-monthly",
                "2"
            ]
        );
        assert!(keep_flags(&policy(Policy::PolicyTimeBucketed(Box::default()))).is_err());
        assert!(keep_flags(&RetentionPolicy::default()).is_err());
    }
}
