//! Checking an operation log (`cairn db check`): every stored record decodes, its indexed columns
//! agree with the record, ids and modnos are unique, and the counters are ahead of everything
//! stored, so no add would reuse an id or a modno. Read-only, in pages.
use crate::error::Result;
use crate::oplog::OpLog;
use crate::row::OpMeta;
use crate::selector::{Query, Selector};
use std::collections::HashSet;

/// How many operations one page of the check reads.
const PAGE: u32 = 1000;
/// How many problems a report keeps word for word (it counts them all).
const KEPT: usize = 50;

/// What a check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Operations read.
    pub operations: u64,
    /// The highest modno committed.
    pub modno: i64,
    /// How many problems were found.
    pub problem_count: u64,
    /// The first problems, each in words.
    pub problems: Vec<String>,
}

impl CheckReport {
    fn problem(&mut self, text: String) {
        self.problem_count += 1;
        if self.problems.len() < KEPT {
            self.problems.push(text);
        }
    }
}

impl OpLog {
    /// Reads the whole log and reports what is wrong with it; `progress` gets the operations read.
    pub fn check(&self, mut progress: impl FnMut(u64)) -> Result<CheckReport> {
        let mut report = CheckReport {
            modno: self.store().committed_modno()?,
            ..CheckReport::default()
        };
        let next_id = self.store().next_id()?;
        let mut modnos = HashSet::new();
        let mut cursor = None;
        loop {
            let query = Query {
                selector: Selector::all(),
                limit: Some(PAGE),
                cursor,
                ..Query::default()
            };
            let metas = self.query_meta(&query)?;
            let Some(last) = metas.last() else { break };
            cursor = Some(last.id);
            let ids: Vec<i64> = metas.iter().map(|m| m.id).collect();
            self.check_page(&metas, &ids, &mut report)?;
            for m in &metas {
                if !modnos.insert(m.modno) {
                    report.problem(format!(
                        "operation {}: modno {} is not unique",
                        m.id, m.modno
                    ));
                }
                if m.modno > report.modno {
                    report.problem(format!(
                        "operation {}: modno {} is past the log's counter {}",
                        m.id, m.modno, report.modno
                    ));
                }
                if m.id >= next_id {
                    report.problem(format!(
                        "operation {}: its id is not below the next id {next_id}",
                        m.id
                    ));
                }
            }
            report.operations += metas.len() as u64;
            progress(report.operations);
        }
        Ok(report)
    }

    /// Decodes one page's records and compares them with their columns.
    fn check_page(&self, metas: &[OpMeta], ids: &[i64], report: &mut CheckReport) -> Result<()> {
        let mut q = Query::new(Selector::ids(ids.iter().copied()));
        q.limit = Some(ids.len() as u32);
        let ops = match self.query(&q) {
            Ok(ops) => ops,
            // One undecodable record fails the page: find it one by one.
            Err(_) => {
                for id in ids {
                    if let Err(e) = self.get(*id) {
                        report.problem(format!("operation {id}: {e}"));
                    }
                }
                return Ok(());
            }
        };
        for (meta, op) in metas.iter().zip(&ops) {
            let from_record = OpMeta::of(op);
            if &from_record != meta {
                report.problem(format!(
                    "operation {}: its indexed columns disagree with its record",
                    meta.id
                ));
            }
        }
        Ok(())
    }
}
