//! The repositories' search indexes: one file per repository (by guid) in the search folder, opened
//! the first time a search or an index task needs it and kept open; and searching one for the API and
//! the CLI, which, like browsing, runs at once outside the task queue.
use crate::error::Result;
use crate::orchestrator::{Orchestrator, find_repo};
use cairn_oplog::{OpKind, Query, Selector};
use cairn_proto::cairn::v1::FoundFiles;
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_search::{Find, SearchIndex};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// The open search indexes, by repository guid.
pub(crate) struct SearchIndexes {
    dir: PathBuf,
    open: Mutex<HashMap<String, Arc<SearchIndex>>>,
}

impl SearchIndexes {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The index of the repository with this guid, opened (and created) when first asked for.
    pub fn get(&self, guid: &str) -> Result<Arc<SearchIndex>> {
        let mut open = self.open.lock();
        if let Some(index) = open.get(guid) {
            return Ok(index.clone());
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            crate::OrchestratorError::Invalid(format!(
                "cannot create the search index folder {}: {e}",
                self.dir.display()
            ))
        })?;
        let file = self.dir.join(format!("{}.sqlite", file_stem(guid)));
        let index = Arc::new(SearchIndex::open(&file)?);
        open.insert(guid.to_string(), index.clone());
        Ok(index)
    }
}

/// A guid as a file name: anything but letters, digits and dashes becomes `_`.
fn file_stem(guid: &str) -> String {
    guid.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Orchestrator {
    /// Paths of the repository whose names match, with their versions across every snapshot in its
    /// search index, and how many of its snapshots the index task has not reached yet.
    pub async fn find_files(&self, repo_id: &str, find: Find) -> Result<FoundFiles> {
        let repo = find_repo(&self.inner.config.get(), repo_id)?;
        if repo.guid.is_empty() {
            return Err(crate::OrchestratorError::RepoNotOpened(repo.id));
        }
        let index = self.inner.search.get(&repo.guid)?;
        let searched = tokio::task::spawn_blocking(move || {
            let indexed: HashSet<String> = index.snapshots()?.into_iter().map(|s| s.id).collect();
            Ok::<_, cairn_search::SearchError>((index.find(&find)?, indexed))
        })
        .await
        .map_err(|e| crate::OrchestratorError::Invalid(format!("search stopped: {e}")))?;
        let (mut found, indexed) = searched?;
        let pending = self
            .live_snapshots(&repo.guid)?
            .iter()
            .filter(|id| !indexed.contains(*id))
            .count();
        found.snapshots_pending = i32::try_from(pending).unwrap_or(i32::MAX);
        Ok(found)
    }

    /// The ids of the repository's snapshots the log has indexed and not seen forgotten.
    fn live_snapshots(&self, guid: &str) -> Result<Vec<String>> {
        let ops = self.inner.oplog.query(&Query::new(Selector {
            repo_guid: Some(guid.to_string()),
            kinds: vec![OpKind::IndexSnapshot],
            ..Selector::all()
        }))?;
        Ok(ops
            .into_iter()
            .filter(|o| matches!(&o.op, Some(Op::OperationIndexSnapshot(i)) if !i.forgot))
            .map(|o| o.snapshot_id)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_make_safe_file_names() {
        assert_eq!(file_stem("a1-b2"), "a1-b2");
        assert_eq!(file_stem("../x/y"), "___x_y");
    }
}
