//! The environment of a copy between two repositories that one process opens together (restic's
//! `copy`, the embedded engine's copy job): both repositories' variables at once. Where both set the
//! same variable they must agree, since one process cannot hold two values of it; restic's own
//! password and location variables of the source are renamed to its `RESTIC_FROM_*` names.
use super::repo_env::env_pairs;
use crate::error::{EngineError, Result};
use cairn_proto::quoted;
use cairn_proto::v1::Repo;

/// The source's variables that restic's `copy` reads under a `RESTIC_FROM_` name.
const RENAMED: [&str; 5] = [
    "RESTIC_PASSWORD",
    "RESTIC_PASSWORD_FILE",
    "RESTIC_PASSWORD_COMMAND",
    "RESTIC_REPOSITORY",
    "RESTIC_REPOSITORY_FILE",
];

/// `to`'s variables with `from`'s added; an error naming the first variable the two set differently.
pub fn merged(
    to: &[(String, String)],
    from: &[(String, String)],
    to_id: &str,
    from_id: &str,
) -> Result<Vec<(String, String)>> {
    let mut out = to.to_vec();
    for (k, v) in from {
        match to.iter().find(|(tk, _)| tk == k) {
            Some((_, tv)) if tv != v => {
                return Err(EngineError::Invalid(format!(
                    "repositories {} and {} set {k} to different values, and a copy opens both in one process; give them the same value or drop it from one of them",
                    quoted(&to_id),
                    quoted(&from_id)
                )));
            }
            Some(_) => {}
            None => out.push((k.clone(), v.clone())),
        }
    }
    Ok(out)
}

/// `to` as restic's `copy` from `from` must see it: `to` itself, with `from`'s location, password and
/// other variables in its environment.
pub fn restic_copy_repo(from: &Repo, to: &Repo) -> Result<Repo> {
    let mut source = vec![("RESTIC_FROM_REPOSITORY".to_string(), from.uri.clone())];
    if !from.password.is_empty() {
        source.push(("RESTIC_FROM_PASSWORD".into(), from.password.clone()));
    }
    for (k, v) in env_pairs(from)? {
        let is_password = k.starts_with("RESTIC_PASSWORD");
        if RENAMED.contains(&k.as_str()) {
            // A stored password wins over the source's password variables, as it does for the source.
            let overridden = is_password && !from.password.is_empty();
            if !overridden && k != "RESTIC_REPOSITORY" {
                source.push((k.replacen("RESTIC_", "RESTIC_FROM_", 1), v));
            }
        } else {
            source.push((k, v));
        }
    }
    let env = merged(&env_pairs(to)?, &source, &to.id, &from.id)?;
    Ok(Repo {
        env: env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
        ..to.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(id: &str, password: &str, env: &[&str]) -> Repo {
        Repo {
            id: id.into(),
            uri: format!("/srv/{id}"),
            password: password.into(),
            env: env.iter().map(|e| e.to_string()).collect(),
            ..Repo::default()
        }
    }

    #[test]
    fn the_source_goes_in_under_restics_from_names() {
        let from = repo("a", "pa", &["AWS_REGION=eu", "RESTIC_PASSWORD_FILE=/x"]);
        let to = repo("b", "pb", &["AWS_REGION=eu", "B2_ACCOUNT_ID=1"]);
        let copy = restic_copy_repo(&from, &to).unwrap();
        assert_eq!(
            (copy.id.as_str(), copy.uri.as_str(), copy.password.as_str()),
            ("b", "/srv/b", "pb")
        );
        assert_eq!(
            copy.env,
            [
                "AWS_REGION=eu",
                "B2_ACCOUNT_ID=1",
                "RESTIC_FROM_REPOSITORY=/srv/a",
                "RESTIC_FROM_PASSWORD=pa"
            ]
        );
        let by_file =
            restic_copy_repo(&repo("a", "", &["RESTIC_PASSWORD_COMMAND=pass a"]), &to).unwrap();
        assert!(
            by_file
                .env
                .contains(&"RESTIC_FROM_PASSWORD_COMMAND=pass a".to_string())
        );
        assert!(
            !by_file
                .env
                .iter()
                .any(|e| e.starts_with("RESTIC_FROM_PASSWORD="))
        );
    }

    #[test]
    fn a_variable_the_two_set_differently_is_refused_by_name() {
        let from = repo("a", "pa", &["AWS_ACCESS_KEY_ID=one"]);
        let to = repo("b", "pb", &["AWS_ACCESS_KEY_ID=two"]);
        let e = restic_copy_repo(&from, &to).unwrap_err().to_string();
        assert!(
            e.contains("AWS_ACCESS_KEY_ID") && e.contains("\"a\"") && e.contains("\"b\""),
            "{e}"
        );
    }
}
