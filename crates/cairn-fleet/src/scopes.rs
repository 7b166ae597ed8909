//! Multihost permissions: whether a peer's grants allow an action on a repository or plan. A grant
//! has a type and scopes: `*`, `repo:<id>`, `plan:<id>`, and `!repo:<id>` / `!plan:<id>` to exclude
//! one. No scopes means every repository and plan; a grant that only excludes allows everything
//! else; an exclusion wins over a match.
use cairn_proto::v1::multihost::Permission;
use cairn_proto::v1::multihost::permission::Type;

/// What a grant is checked against.
#[derive(Clone, Copy, Debug)]
pub enum Resource<'a> {
    /// A repository, by config id.
    Repo(&'a str),
    /// A plan, by id.
    Plan(&'a str),
}

impl Resource<'_> {
    fn scope(&self) -> String {
        match self {
            Self::Repo(id) => format!("repo:{id}"),
            Self::Plan(id) => format!("plan:{id}"),
        }
    }
}

/// Whether `scopes` cover `resource`.
pub fn scope_allows(scopes: &[String], resource: Resource<'_>) -> bool {
    let name = resource.scope();
    let mut positive = false;
    let mut matched = false;
    for scope in scopes.iter().map(|s| s.trim()) {
        if let Some(excluded) = scope.strip_prefix('!') {
            if excluded == name {
                return false;
            }
        } else {
            positive = true;
            matched |= scope == "*" || scope == name;
        }
    }
    matched || !positive
}

/// Whether any grant of type `ty` in `grants` covers `resource`.
pub fn allows(grants: &[Permission], ty: Type, resource: Resource<'_>) -> bool {
    grants
        .iter()
        .any(|g| g.r#type.to_i32() == ty as i32 && scope_allows(&g.scopes, resource))
}

/// Whether any grant of type `ty` exists, whatever its scopes.
pub fn has(grants: &[Permission], ty: Type) -> bool {
    grants.iter().any(|g| g.r#type.to_i32() == ty as i32)
}

/// Whether an operation on repository `repo_id` in plan `plan_id` is covered: by its repository or
/// by its plan.
pub fn allows_op(grants: &[Permission], ty: Type, repo_id: &str, plan_id: &str) -> bool {
    allows(grants, ty, Resource::Repo(repo_id)) || allows(grants, ty, Resource::Plan(plan_id))
}

/// A grant of `ty` with `scopes`, for tests.
#[cfg(test)]
pub(crate) fn grant(ty: Type, scopes: &[&str]) -> Permission {
    Permission {
        r#type: ty.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..Permission::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn scopes_match_wildcards_ids_and_exclusions() {
        let nas = Resource::Repo("nas");
        let home = Resource::Plan("home");
        assert!(scope_allows(&[], nas), "no scopes: everything");
        assert!(scope_allows(&s(&["*"]), nas));
        assert!(scope_allows(&s(&["repo:nas"]), nas));
        assert!(!scope_allows(&s(&["repo:nas"]), home));
        assert!(!scope_allows(&s(&["repo:nasx"]), nas));
        assert!(scope_allows(&s(&["plan:home"]), home));
        assert!(!scope_allows(&s(&["*", "!repo:nas"]), nas));
        assert!(scope_allows(&s(&["*", "!repo:nas"]), home));
        assert!(scope_allows(&s(&["!repo:nas"]), home), "only exclusions");
        assert!(!scope_allows(&s(&["!repo:nas"]), nas));
        assert!(
            !scope_allows(&s(&["repo:nas", "!repo:nas"]), nas),
            "exclusion wins"
        );
    }

    #[test]
    fn grants_are_checked_by_type() {
        let grants = vec![Permission {
            r#type: Type::PERMISSION_READ_OPERATIONS.into(),
            scopes: s(&["plan:home"]),
            ..Permission::default()
        }];
        assert!(allows(
            &grants,
            Type::PERMISSION_READ_OPERATIONS,
            Resource::Plan("home")
        ));
        assert!(!allows(
            &grants,
            Type::PERMISSION_READ_CONFIG,
            Resource::Plan("home")
        ));
        assert!(allows_op(
            &grants,
            Type::PERMISSION_READ_OPERATIONS,
            "nas",
            "home"
        ));
        assert!(!allows_op(
            &grants,
            Type::PERMISSION_READ_OPERATIONS,
            "nas",
            "work"
        ));
        assert!(has(&grants, Type::PERMISSION_READ_OPERATIONS));
        assert!(!has(&grants, Type::PERMISSION_RECEIVE_SHARED_REPOS));
    }
}
