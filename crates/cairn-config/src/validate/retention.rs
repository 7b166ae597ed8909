//! Retention policy rules: a policy must be chosen and must keep something.
use super::Check;
use cairn_proto::v1::__buffa::oneof::retention_policy::Policy;
use cairn_proto::v1::RetentionPolicy;

/// `retention` at `path` must be present and keep at least one snapshot.
pub(super) fn check_required(k: &mut Check, path: &str, retention: Option<&RetentionPolicy>) {
    let Some(policy) = retention.and_then(|r| r.policy.as_ref()) else {
        k.err(
            path,
            "choose a retention policy: policyKeepLastN, policyTimeBucketed or policyKeepAll",
        );
        return;
    };
    match policy {
        Policy::PolicyKeepLastN(n) if *n < 1 => {
            k.err(
                format!("{path}.policyKeepLastN"),
                format!("must keep at least 1 snapshot (got {n})"),
            );
        }
        Policy::PolicyKeepAll(false) => {
            k.err(
                format!("{path}.policyKeepAll"),
                "must be true (or choose another policy)",
            );
        }
        Policy::PolicyTimeBucketed(b) => {
            let counts = [
                ("hourly", b.hourly),
                ("daily", b.daily),
                ("weekly", b.weekly),
                ("monthly", b.monthly),
                ("yearly", b.yearly),
                ("keepLastN", b.keep_last_n),
            ];
            for (name, n) in counts {
                if n < 0 {
                    k.err(
                        format!("{path}.policyTimeBucketed.{name}"),
                        format!("must not be negative (got {n})"),
                    );
                }
            }
            if counts.iter().all(|(_, n)| *n <= 0) {
                k.err(
                    format!("{path}.policyTimeBucketed"),
                    "every count is 0, which would forget every snapshot; set at least one of hourly, daily, weekly, monthly, yearly or keepLastN",
                );
            }
        }
        _ => {}
    }
}
