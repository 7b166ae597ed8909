//! Which operations a query or a subscription wants: the Rust form of `v1.OpSelector`, its SQL `WHERE`
//! clause, and the same test applied in memory to live events.
use crate::row::{OpKind, OpMeta};
use cairn_proto::v1::OpSelector;
use rusqlite::types::Value;

/// A conjunction of filters; an empty selector matches every operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// Only operations with these ids (empty: any).
    pub ids: Vec<i64>,
    /// Only operations of this instance.
    pub instance_id: Option<String>,
    /// Only operations whose creating instance has this key id.
    pub original_instance_keyid: Option<String>,
    /// Only operations on the repository with this guid.
    pub repo_guid: Option<String>,
    /// Only operations of this plan.
    pub plan_id: Option<String>,
    /// Only operations about this restic snapshot id.
    pub snapshot_id: Option<String>,
    /// Only operations of this flow.
    pub flow_id: Option<i64>,
    /// Only operations whose latest modno is at least this.
    pub modno_gte: Option<i64>,
    /// Only operations of these kinds (empty: any). A cairn addition (`OpSelector.kinds`, field 1000).
    pub kinds: Vec<OpKind>,
}

impl Selector {
    /// Matches every operation.
    pub fn all() -> Self {
        Self::default()
    }

    /// Selects the operations of plan `plan_id`.
    pub fn plan(plan_id: impl Into<String>) -> Self {
        Self {
            plan_id: Some(plan_id.into()),
            ..Self::default()
        }
    }

    /// Selects the operations on the repository with guid `repo_guid`.
    pub fn repo(repo_guid: impl Into<String>) -> Self {
        Self {
            repo_guid: Some(repo_guid.into()),
            ..Self::default()
        }
    }

    /// Selects the operations of flow `flow_id`.
    pub fn flow(flow_id: i64) -> Self {
        Self {
            flow_id: Some(flow_id),
            ..Self::default()
        }
    }

    /// Selects the operations with these ids.
    pub fn ids(ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            ids: ids.into_iter().collect(),
            ..Self::default()
        }
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// True when an operation with these indexed columns is selected.
    pub fn matches(&self, m: &OpMeta) -> bool {
        (self.ids.is_empty() || self.ids.contains(&m.id))
            && eq(&self.instance_id, &m.instance_id)
            && eq(&self.original_instance_keyid, &m.original_instance_keyid)
            && eq(&self.repo_guid, &m.repo_guid)
            && eq(&self.plan_id, &m.plan_id)
            && eq(&self.snapshot_id, &m.snapshot_id)
            && self.flow_id.is_none_or(|f| f == m.flow_id)
            && self.modno_gte.is_none_or(|g| m.modno >= g)
            && (self.kinds.is_empty() || self.kinds.contains(&m.kind))
    }

    /// The SQL condition (over the given column prefix, e.g. `""` or `"t."`) and its parameters.
    pub(crate) fn to_sql(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        if !self.ids.is_empty() {
            let marks = vec!["?"; self.ids.len()].join(",");
            clauses.push(format!("id IN ({marks})"));
            params.extend(self.ids.iter().map(|i| Value::Integer(*i)));
        }
        let text = [
            ("instance_id", &self.instance_id),
            ("original_instance_keyid", &self.original_instance_keyid),
            ("repo_guid", &self.repo_guid),
            ("plan_id", &self.plan_id),
            ("snapshot_id", &self.snapshot_id),
        ];
        for (column, value) in text {
            if let Some(v) = value {
                clauses.push(format!("{column} = ?"));
                params.push(Value::Text(v.clone()));
            }
        }
        if let Some(f) = self.flow_id {
            clauses.push("flow_id = ?".into());
            params.push(Value::Integer(f));
        }
        if let Some(g) = self.modno_gte {
            clauses.push("modno >= ?".into());
            params.push(Value::Integer(g));
        }
        if !self.kinds.is_empty() {
            let marks = vec!["?"; self.kinds.len()].join(",");
            clauses.push(format!("kind IN ({marks})"));
            params.extend(self.kinds.iter().map(|k| Value::Integer(k.code())));
        }
        if clauses.is_empty() {
            ("TRUE".into(), params)
        } else {
            (clauses.join(" AND "), params)
        }
    }
}

fn eq(want: &Option<String>, have: &str) -> bool {
    want.as_deref().is_none_or(|w| w == have)
}

impl From<&OpSelector> for Selector {
    fn from(s: &OpSelector) -> Self {
        Self {
            ids: s.ids.clone(),
            instance_id: s.instance_id.clone(),
            original_instance_keyid: s.original_instance_keyid.clone(),
            repo_guid: s.repo_guid.clone(),
            plan_id: s.plan_id.clone(),
            snapshot_id: s.snapshot_id.clone(),
            flow_id: s.flow_id,
            modno_gte: s.modno_gte,
            // A name no kind has selects nothing (the API refuses such names before they get here).
            kinds: s
                .kinds
                .iter()
                .map(|k| OpKind::from_name(k).unwrap_or(OpKind::Unknown))
                .collect(),
        }
    }
}

/// Sort order of a query, by operation id (creation order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Oldest first (increasing id).
    #[default]
    Ascending,
    /// Newest first (decreasing id).
    Descending,
}

/// A selector plus paging: `limit` rows after (ascending) or before (descending) the `cursor` id.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Which operations to return.
    pub selector: Selector,
    /// Sort order by id; also which side of `cursor` the page lies on.
    pub order: Order,
    /// At most this many rows; None for no limit.
    pub limit: Option<u32>,
    /// Exclusive bound: the id of the last row of the previous page.
    pub cursor: Option<i64>,
}

impl Query {
    /// Every operation `selector` matches, oldest first, in one page.
    pub fn new(selector: Selector) -> Self {
        Self {
            selector,
            ..Self::default()
        }
    }

    /// The newest `n` matching operations (returned newest first).
    pub fn last_n(selector: Selector, n: u32) -> Self {
        Self {
            selector,
            order: Order::Descending,
            limit: Some(n),
            cursor: None,
        }
    }

    /// The full SELECT of `columns` for this query, with its parameters.
    pub(crate) fn to_sql(&self, columns: &str) -> (String, Vec<Value>) {
        let (mut cond, mut params) = self.selector.to_sql();
        let (cmp, dir) = match self.order {
            Order::Ascending => (">", "ASC"),
            Order::Descending => ("<", "DESC"),
        };
        if let Some(c) = self.cursor {
            cond.push_str(&format!(" AND id {cmp} ?"));
            params.push(Value::Integer(c));
        }
        let mut sql = format!("SELECT {columns} FROM operations WHERE {cond} ORDER BY id {dir}");
        if let Some(l) = self.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        (sql, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_selector_converts_field_by_field_and_matches_in_memory() {
        let proto = OpSelector {
            ids: vec![3],
            instance_id: Some("i".into()),
            original_instance_keyid: Some(String::new()),
            repo_guid: Some("g".into()),
            plan_id: Some("p".into()),
            snapshot_id: None,
            flow_id: Some(3),
            modno_gte: Some(2),
            ..OpSelector::default()
        };
        let s = Selector::from(&proto);
        let meta = OpMeta {
            id: 3,
            modno: 2,
            flow_id: 3,
            repo_guid: "g".into(),
            plan_id: "p".into(),
            instance_id: "i".into(),
            ..OpMeta::default()
        };
        assert!(s.matches(&meta));
        assert!(!s.matches(&OpMeta {
            modno: 1,
            ..meta.clone()
        }));
        assert!(!s.matches(&OpMeta {
            original_instance_keyid: "k".into(),
            ..meta
        }));
        let (sql, params) = s.to_sql();
        assert_eq!(params.len(), 7);
        assert!(sql.contains("original_instance_keyid = ?") && !sql.contains("snapshot_id"));
        assert!(Selector::from(&OpSelector::default()).is_empty());
    }
}
