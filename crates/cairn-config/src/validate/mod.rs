//! Config validation: every rule Backrest applies plus cairn's own, all errors collected (not just the
//! first), each naming its JSON field path and what to do about it.
use cairn_proto::quoted;
mod hooks;
mod multihost;
pub mod oidc;
mod plan_mirrors;
mod retention;
pub mod schedule;
pub mod settings;
mod verify_policy;

pub use verify_policy::MAX_VERIFY_FILES;

use crate::error::{FieldError, ValidationErrors};
use cairn_proto::v1::{Auth, Config, Plan, Repo};
use std::collections::HashMap;
use std::sync::LazyLock;

static ID_RE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-zA-Z0-9_\-.]+$").unwrap_or_else(|_| unreachable!()));

/// User names may also hold `@`: single sign-on users are often named by their email address.
static USER_RE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^[a-zA-Z0-9_\-.@]+$").unwrap_or_else(|_| unreachable!()));

/// What is wrong with a user name, if anything.
pub fn user_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a user name is required".into())
    } else if name.len() > 256 {
        Some("a user name may have at most 256 characters".into())
    } else if !USER_RE.is_match(name) {
        Some(format!(
            "user name {name} has invalid characters; use letters, digits, '_', '-', '.' and '@'",
            name = quoted(&name)
        ))
    } else if name.len() > 1 && name.starts_with('_') && name.ends_with('_') {
        Some(format!(
            "user name {name} is reserved: names that start and end with '_' are cairn's own",
            name = quoted(&name)
        ))
    } else {
        None
    }
}

/// The most parts a rotating read-data check may split the packs into.
pub const MAX_ROTATION_PARTS: i32 = 1000;

/// Collects errors and warnings for one validation pass. A warning is a value Backrest accepts and
/// cairn thinks unwise: the config loads and saves, and the UI shows the warning.
#[derive(Default)]
pub(crate) struct Check {
    pub(super) errors: Vec<FieldError>,
    pub(super) warnings: Vec<FieldError>,
}

impl Check {
    pub(crate) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    /// An id of `kind` (repo, plan, user, instance): required, limited characters, not reserved.
    pub(crate) fn id(&mut self, path: &str, kind: &str, id: &str) {
        if id.is_empty() {
            self.err(path, format!("{kind} id is required"));
        } else if !ID_RE.is_match(id) {
            self.err(
                path,
                format!(
                    "{kind} id {id} has invalid characters; use letters, digits, '_', '-' and '.'",
                    id = quoted(&id)
                ),
            );
        } else if id.len() > 1 && id.starts_with('_') && id.ends_with('_') {
            self.err(
                path,
                format!(
                    "{kind} id {id} is reserved: ids that start and end with '_' are cairn's own",
                    id = quoted(&id)
                ),
            );
        }
    }

    /// Reports every id that appears more than once (at its later positions).
    fn unique<'a>(&mut self, kind: &str, items: impl Iterator<Item = (String, &'a str)>) {
        let mut first: HashMap<&str, String> = HashMap::new();
        for (path, id) in items {
            if id.is_empty() {
                continue;
            }
            match first.get(id) {
                Some(at) => self.err(
                    path,
                    format!(
                        "duplicate {kind} id {id} (first used at {at})",
                        id = quoted(&id)
                    ),
                ),
                None => {
                    first.insert(id, path);
                }
            }
        }
    }
}

/// Checks the whole config; Ok or every problem found (warnings do not count; see [`warnings`]).
pub fn validate(config: &Config) -> Result<(), ValidationErrors> {
    checked(config).map(|_| ())
}

/// [`validate`] and [`warnings`] in one pass: the warnings when there is no error.
pub fn checked(config: &Config) -> Result<Vec<FieldError>, ValidationErrors> {
    let k = check_config(config);
    if k.errors.is_empty() {
        Ok(k.warnings)
    } else {
        Err(ValidationErrors(k.errors))
    }
}

/// Values the config holds that Backrest accepts and cairn thinks unwise, each at its field path.
pub fn warnings(config: &Config) -> Vec<FieldError> {
    check_config(config).warnings
}

fn check_config(config: &Config) -> Check {
    let mut k = Check::default();
    if !config.instance.is_empty() {
        k.id("instance", "instance", &config.instance);
        if config.instance.len() > 50 {
            k.err("instance", "instance id must be at most 50 characters");
        }
    }
    if let Some(auth) = config.auth.as_option() {
        check_auth(&mut k, auth);
    }
    for (i, repo) in config.repos.iter().enumerate() {
        check_repo(&mut k, &format!("repos[{i}]"), repo);
    }
    k.unique(
        "repo",
        config
            .repos
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("repos[{i}].id"), r.id.as_str())),
    );
    let repo_ids: Vec<&str> = config.repos.iter().map(|r| r.id.as_str()).collect();
    for (i, plan) in config.plans.iter().enumerate() {
        check_plan(&mut k, &format!("plans[{i}]"), plan, &repo_ids);
        plan_mirrors::check(&mut k, &format!("plans[{i}]"), plan, &config.repos);
    }
    k.unique(
        "plan",
        config
            .plans
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("plans[{i}].id"), p.id.as_str())),
    );
    if let Some(mh) = config.multihost.as_option() {
        multihost::check(&mut k, mh);
    }
    if let Some(settings) = config.cairn.as_option() {
        settings::check(&mut k, settings);
    }
    k
}

/// Puts lists Backrest keeps sorted into order (plan paths, repo env), as Backrest does on save.
pub fn normalize(config: &mut Config) {
    for plan in &mut config.plans {
        plan.paths.sort();
    }
    for repo in &mut config.repos {
        repo.env.sort();
    }
}

fn check_auth(k: &mut Check, auth: &Auth) {
    // Auth enabled with no users is cairn's "first-run setup pending" state: the server only offers
    // creating the first user until one exists.
    for (i, user) in auth.users.iter().enumerate() {
        let path = format!("auth.users[{i}]");
        if let Some(problem) = user_name_problem(&user.name) {
            k.err(format!("{path}.name"), problem);
        }
        use cairn_proto::v1::__buffa::oneof::user::Password;
        let has_hash = matches!(&user.password,
            Some(Password::PasswordBcrypt(h) | Password::PasswordArgon2(h)) if !h.is_empty());
        if !has_hash {
            k.err(
                format!("{path}.passwordBcrypt"),
                "a password hash is required; set the password again",
            );
        }
    }
    if let Some(o) = auth.oidc.as_option() {
        oidc::check(k, o);
    }
    k.unique(
        "user",
        auth.users
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("auth.users[{i}].name"), u.name.as_str())),
    );
}

fn check_repo(k: &mut Check, path: &str, repo: &Repo) {
    k.id(&format!("{path}.id"), "repo", &repo.id);
    if repo.uri.trim().is_empty() {
        k.err(format!("{path}.uri"), "a repository URI is required, e.g. /mnt/backup, sftp:user@host:/srv/restic or s3:host/bucket");
    }
    let guid_ok = repo.guid.len() == 64 && repo.guid.bytes().all(|b| b.is_ascii_hexdigit());
    match (repo.guid.is_empty(), repo.auto_initialize) {
        (false, true) => k.err(format!("{path}.guid"), "set either guid or autoInitialize, not both"),
        (true, false) => k.err(format!("{path}.guid"), "required unless autoInitialize is set; add the repository through the UI or API so cairn reads it"),
        (false, false) if !guid_ok => k.err(
            format!("{path}.guid"),
            format!("{} is not 64 hex characters (the id restic reports for the repository)", quoted(&repo.guid)),
        ),
        _ => {}
    }
    if !matches!(repo.engine.as_str(), "" | "auto" | "restic" | "embedded") {
        k.err(
            format!("{path}.engine"),
            format!(
                "{} is not an engine; use auto, restic or embedded",
                quoted(&repo.engine)
            ),
        );
    }
    for (j, e) in repo.env.iter().enumerate() {
        if !e.contains('=') || e.starts_with('=') {
            k.err(
                format!("{path}.env[{j}]"),
                format!("{e} must be KEY=VALUE", e = quoted(&e)),
            );
        }
    }
    if let Some(p) = repo.prune_policy.as_option() {
        schedule::check_field(
            k,
            &format!("{path}.prunePolicy.schedule"),
            p.schedule.as_option(),
        );
        if !(0.0..=100.0).contains(&p.max_unused_percent) {
            k.warn(
                format!("{path}.prunePolicy.maxUnusedPercent"),
                "should be between 0 and 100; restic refuses other values, so prune will fail",
            );
        }
        if p.max_unused_bytes < 0 {
            k.warn(
                format!("{path}.prunePolicy.maxUnusedBytes"),
                "should not be negative; restic refuses it, so prune will fail",
            );
        }
    }
    if let Some(c) = repo.check_policy.as_option() {
        schedule::check_field(
            k,
            &format!("{path}.checkPolicy.schedule"),
            c.schedule.as_option(),
        );
        use cairn_proto::v1::__buffa::oneof::check_policy::Mode;
        // 0 is what Backrest writes for "structure only" from its form; Backrest accepts it too.
        if let Some(Mode::ReadDataSubsetPercent(pct)) = c.mode
            && !(0.0..=100.0).contains(&pct)
        {
            k.warn(
                format!("{path}.checkPolicy.readDataSubsetPercent"),
                "should be from 0 (check the structure only) to 100; restic refuses other values, so check will fail",
            );
        }
        if let Some(Mode::ReadDataRotation(parts)) = c.mode
            && !(2..=MAX_ROTATION_PARTS).contains(&parts)
        {
            k.err(
                format!("{path}.checkPolicy.readDataRotation"),
                format!("must be from 2 to {MAX_ROTATION_PARTS} parts (one is read per check run); to read all the data every run, use readDataSubsetPercent 100"),
            );
        }
    }
    if let Some(f) = repo.forget_policy.as_option() {
        let spath = format!("{path}.forgetPolicy.schedule");
        schedule::check_field(k, &spath, f.schedule.as_option());
        if schedule::is_enabled(f.schedule.as_option()) {
            retention::check_required(
                k,
                &format!("{path}.forgetPolicy.retention"),
                f.retention.as_option(),
            );
        }
    }
    if let Some(v) = repo.verify_policy.as_option() {
        verify_policy::check(k, path, v);
    }
    hooks::check_all(k, path, &repo.hooks);
}

fn check_plan(k: &mut Check, path: &str, plan: &Plan, repo_ids: &[&str]) {
    k.id(&format!("{path}.id"), "plan", &plan.id);
    if plan.repo.is_empty() {
        k.err(format!("{path}.repo"), "a repo is required");
    } else if !repo_ids.contains(&plan.repo.as_str()) {
        k.err(
            format!("{path}.repo"),
            format!(
                "repo {} does not exist; add it under repos or use one of: {}",
                quoted(&plan.repo),
                repo_ids.join(", ")
            ),
        );
    }
    if plan.paths.is_empty() && plan.backup_flags.is_empty() {
        k.err(format!("{path}.paths"), "give at least one path to back up");
    }
    for (j, p) in plan.paths.iter().enumerate() {
        if p.is_empty() {
            k.err(
                format!("{path}.paths[{j}]"),
                "is empty; remove it or give a path",
            );
        } else if !p.starts_with('/') && !is_windows_absolute(p) {
            k.warn(
                format!("{path}.paths[{j}]"),
                format!(
                    "{p} is relative, so what it names depends on the directory cairn was started in; use an absolute path such as /{p}",
                    p = quoted(&p)
                ),
            );
        }
    }
    schedule::check_field(k, &format!("{path}.schedule"), plan.schedule.as_option());
    if let Some(r) = plan.retention.as_option() {
        retention::check_required(k, &format!("{path}.retention"), Some(r));
    }
    hooks::check_all(k, path, &plan.hooks);
}

fn is_windows_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

#[cfg(test)]
mod tests {
    use super::{validate, warnings};

    /// The paths validation refuses, and the paths it only warns about.
    fn outcome(repo_extra: &str, plan_extra: &str) -> (Vec<String>, Vec<String>) {
        let text = format!(
            r#"{{"version": 6, "instance": "i", "repos": [{{"id": "r", "uri": "/r", "password": "p",
               "guid": "{}"{repo_extra}}}],
               "plans": [{{"id": "p", "repo": "r", "paths": ["/data"]{plan_extra}}}]}}"#,
            "a".repeat(64)
        );
        let config = crate::parse(&text).unwrap().config;
        let errors = match validate(&config) {
            Ok(()) => Vec::new(),
            Err(e) => e.paths().into_iter().map(str::to_string).collect(),
        };
        let warned = warnings(&config).into_iter().map(|w| w.path).collect();
        (errors, warned)
    }

    #[test]
    fn a_read_data_subset_of_zero_is_accepted_as_backrest_does() {
        let pct = |p: &str| {
            outcome(
                &format!(r#", "checkPolicy": {{"readDataSubsetPercent": {p}}}"#),
                "",
            )
        };
        assert_eq!(pct("0"), (vec![], vec![]));
        assert_eq!(pct("100"), (vec![], vec![]));
        for odd in ["-1", "100.5"] {
            assert_eq!(
                pct(odd),
                (
                    vec![],
                    vec!["repos[0].checkPolicy.readDataSubsetPercent".to_string()]
                ),
                "{odd}"
            );
        }
    }

    #[test]
    fn a_verify_policy_draws_one_to_a_thousand_files_or_a_share_above_zero() {
        let policy = |sample: &str| {
            outcome(
                &format!(r#", "verifyPolicy": {{"schedule": {{"cron": "0 3 * * 0"}}, {sample}}}"#),
                "",
            )
            .0
        };
        for fine in [
            r#""files": 1"#,
            r#""files": 1000"#,
            r#""bytesPercent": 0.5"#,
            r#""bytesPercent": 100"#,
        ] {
            assert_eq!(policy(fine), Vec::<String>::new(), "{fine}");
        }
        for wrong in ["0", "-1", "1001"] {
            assert_eq!(
                policy(&format!(r#""files": {wrong}"#)),
                vec!["repos[0].verifyPolicy.files"]
            );
        }
        for wrong in ["0", "-5", "100.5"] {
            assert_eq!(
                policy(&format!(r#""bytesPercent": {wrong}"#)),
                vec!["repos[0].verifyPolicy.bytesPercent"]
            );
        }
        assert_eq!(
            policy(
                r#""files": 5, "skipLive": true, "schedule": {"cron": "not a cron"}"#
                    .trim_start_matches(", ")
            ),
            vec!["repos[0].verifyPolicy.schedule.cron"]
        );
    }

    #[test]
    fn a_mirror_is_another_writable_repository_named_once() {
        let plan = |mirrors: &str| outcome("", &format!(r#", "mirrors": {mirrors}"#)).0;
        let text = |mirrors: &str| {
            let config = crate::parse(&format!(
                r#"{{"version": 6, "instance": "i",
                   "repos": [{{"id": "r", "uri": "/r", "password": "p", "autoInitialize": true}},
                             {{"id": "m", "uri": "/m", "password": "p", "autoInitialize": true}},
                             {{"id": "s", "uri": "/s", "password": "p", "autoInitialize": true, "originInstanceId": "hub"}}],
                   "plans": [{{"id": "p", "repo": "r", "paths": ["/data"], "mirrors": {mirrors}}}]}}"#
            ))
            .unwrap()
            .config;
            validate(&config)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            text(r#"[{"repo": "m", "retention": {"policyKeepLastN": 3}}]"#),
            ""
        );
        assert_eq!(
            plan(r#"[{"repo": "nope"}]"#),
            vec!["plans[0].mirrors[0].repo"]
        );
        assert!(text(r#"[{"repo": "r"}]"#).contains("the plan's own repository"));
        assert!(text(r#"[{"repo": "s"}]"#).contains("read-only here"));
        assert!(text(r#"[{"repo": "m"}, {"repo": "m"}]"#).contains("list it once"));
        assert!(text(r#"[{"repo": ""}]"#).contains("name the repository"));
    }

    #[test]
    fn a_rotating_check_needs_two_to_a_thousand_parts() {
        let parts = |n: &str| {
            outcome(
                &format!(r#", "checkPolicy": {{"readDataRotation": {n}}}"#),
                "",
            )
        };
        assert_eq!(parts("2"), (vec![], vec![]));
        assert_eq!(parts("1000"), (vec![], vec![]));
        for wrong in ["1", "0", "-3", "1001"] {
            assert_eq!(
                parts(wrong),
                (
                    vec!["repos[0].checkPolicy.readDataRotation".to_string()],
                    vec![]
                ),
                "{wrong}"
            );
        }
    }

    /// Values Backrest 1.14 accepts load with a warning: a relative path, prune limits restic
    /// refuses, a hook with no action, an unknown condition or a URL without a scheme.
    #[test]
    fn what_backrest_accepts_is_a_warning_not_a_refusal() {
        let (errors, warned) = outcome(
            r#", "prunePolicy": {"maxUnusedPercent": 150},
               "hooks": [{"conditions": ["CONDITION_SNAPSHOT_END", 77]},
                         {"actionWebhook": {"webhookUrl": "example.com/hook"}}]"#,
            r#", "paths": ["relative/dir"]"#,
        );
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            warned,
            vec![
                "repos[0].prunePolicy.maxUnusedPercent",
                "repos[0].hooks[0].conditions[1]",
                "repos[0].hooks[0]",
                "repos[0].hooks[1].actionWebhook.webhookUrl",
                "plans[0].paths[0]",
            ]
        );
    }
}
