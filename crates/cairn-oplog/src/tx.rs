//! A write transaction on the operation log: adds, updates and deletes that commit together, assign
//! ids and modnos in order, and become one batch of events once committed.
use crate::error::{OplogError, Result};
use crate::events::{Change, ChangeKind};
use crate::row::OpMeta;
use crate::store::{Counters, RowWrite, TxStore};
use cairn_proto::quoted;
use cairn_proto::v1::Operation;
use std::sync::Arc;

/// What [`Tx::import`] did with one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Imported {
    /// Stored under its own id.
    Added,
    /// The same operation was stored already (an earlier run of the import).
    AlreadyThere,
    /// Another operation holds its id; it was not stored.
    IdTaken,
}

/// An open write transaction; see [`crate::OpLog::transact`].
pub struct Tx<'a> {
    pub(crate) store: &'a mut dyn TxStore,
    pub(crate) counters: &'a mut Counters,
    pub(crate) changes: Vec<Change>,
}

impl Tx<'_> {
    /// Inserts `op`, assigning its id and modno (and flow id, when unset, to its own id).
    pub fn add(&mut self, op: &mut Operation) -> Result<()> {
        self.add_with(op, 0)
    }

    /// [`Tx::add`], keeping the peer's modno of a synced operation.
    pub(crate) fn add_with(&mut self, op: &mut Operation, original_modno: i64) -> Result<()> {
        if op.id != 0 {
            return Err(OplogError::Invalid(format!(
                "a new operation must not carry an id (got {})",
                op.id
            )));
        }
        validate(op)?;
        op.id = self.counters.next_id;
        op.modno = self.next_modno();
        if op.flow_id == 0 {
            op.flow_id = op.id;
        }
        self.insert(op, original_modno)
    }

    /// Inserts an operation from another history (an import) keeping its id, flow and, when free,
    /// its modno (else it gets the next one); an operation already stored under that id is left as it
    /// is. The counters move past what was kept, so later adds never reuse an id or a modno.
    pub fn import(&mut self, op: &mut Operation) -> Result<Imported> {
        if op.id <= 0 {
            return Err(OplogError::Invalid(format!(
                "an imported operation needs its id (got {})",
                op.id
            )));
        }
        validate(op)?;
        if op.flow_id == 0 {
            op.flow_id = op.id;
        }
        if let Some(existing) = self.get(op.id)? {
            // An earlier run may have given it another modno; everything else must match.
            let same = Operation {
                modno: existing.modno,
                ..op.clone()
            } == existing;
            return Ok(if same {
                Imported::AlreadyThere
            } else {
                Imported::IdTaken
            });
        }
        if op.modno <= 0 || self.modno_taken(op.modno)? {
            op.modno = self.next_modno();
        }
        self.insert(op, 0)?;
        Ok(Imported::Added)
    }

    /// Writes a new row for `op` (id, modno and flow id already set) and moves the counters past it.
    fn insert(&mut self, op: &Operation, original_modno: i64) -> Result<()> {
        self.write(vec![RowWrite::new(true, op, Some(original_modno))])?;
        self.counters.next_id = self.counters.next_id.max(op.id + 1);
        self.counters.modno = self.counters.modno.max(op.modno);
        Ok(())
    }

    /// Writes rows (their ids, modnos and flows set) and records their changes.
    pub(crate) fn write(&mut self, rows: Vec<RowWrite<'_>>) -> Result<()> {
        self.store.write_rows(&rows)?;
        for row in rows {
            let kind = if row.insert {
                ChangeKind::Created
            } else {
                ChangeKind::Updated
            };
            self.record(kind, row.meta, Some(row.op));
        }
        Ok(())
    }

    /// A value kept in the log's metadata table.
    pub fn metadata(&mut self, key: &str) -> Result<Option<i64>> {
        self.store.metadata(key)
    }

    /// Sets a value in the log's metadata table.
    pub fn set_metadata(&mut self, key: &str, value: i64) -> Result<()> {
        self.store.set_metadata(key, value)
    }

    fn modno_taken(&mut self, modno: i64) -> Result<bool> {
        self.store.modno_taken(modno)
    }

    /// Replaces the stored operation with the same id, bumping its modno.
    pub fn update(&mut self, op: &mut Operation) -> Result<()> {
        self.update_with(op, None)
    }

    /// [`Tx::update`], setting the peer's modno of a synced operation when given.
    pub(crate) fn update_with(
        &mut self,
        op: &mut Operation,
        original_modno: Option<i64>,
    ) -> Result<()> {
        validate(op)?;
        if op.flow_id == 0 {
            op.flow_id = op.id;
        }
        let previous = op.modno;
        op.modno = self.next_modno();
        let written = self.write(vec![RowWrite::new(false, op, original_modno)]);
        if let Err(OplogError::NotFound(_)) = written {
            op.modno = previous;
            self.counters.modno -= 1;
        }
        written
    }

    /// Deletes the operation `id`, leaving a tombstone; returns what was deleted (None if absent).
    pub fn delete(&mut self, id: i64) -> Result<Option<Operation>> {
        let Some(op) = self.get(id)? else {
            return Ok(None);
        };
        let mut m = OpMeta::of(&op);
        m.modno = self.next_modno();
        self.store.delete(id, &m)?;
        self.record(ChangeKind::Deleted, m, None);
        Ok(Some(op))
    }

    /// Reads one operation inside this transaction.
    pub fn get(&mut self, id: i64) -> Result<Option<Operation>> {
        let blob = self.store.get(id)?;
        blob.map(|b| crate::oplog::decode(id, &b)).transpose()
    }

    /// Moves the id and modno counters forward to at least these (never back): a copied history
    /// continues where its source left off.
    pub(crate) fn advance_counters(&mut self, next_id: i64, modno: i64) {
        self.counters.next_id = self.counters.next_id.max(next_id);
        self.counters.modno = self.counters.modno.max(modno);
    }

    /// Records the peer's modno of a stored synced operation (a copied history keeps it).
    pub(crate) fn set_original_modno(&mut self, id: i64, original_modno: i64) -> Result<()> {
        self.store.set_original_modno(id, original_modno)
    }

    pub(crate) fn next_modno(&mut self) -> i64 {
        self.counters.modno += 1;
        self.counters.modno
    }

    pub(crate) fn record(&mut self, kind: ChangeKind, meta: OpMeta, op: Option<&Operation>) {
        self.changes.push(Change {
            kind,
            meta,
            op: op.map(|o| Arc::new(o.clone())),
        });
    }
}

/// The fields every stored operation must carry.
pub(crate) fn validate(op: &Operation) -> Result<()> {
    let required = [
        ("repo_id", &op.repo_id),
        ("repo_guid", &op.repo_guid),
        ("plan_id", &op.plan_id),
        ("instance_id", &op.instance_id),
    ];
    if let Some((name, _)) = required.iter().find(|(_, v)| v.is_empty()) {
        return Err(OplogError::Invalid(format!("{name} is required")));
    }
    if op.unix_time_start_ms <= 0 {
        return Err(OplogError::Invalid(
            "unix_time_start_ms is required".to_string(),
        ));
    }
    let snap = &op.snapshot_id;
    if !snap.is_empty() && (snap.len() != 64 || !snap.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(OplogError::Invalid(format!(
            "snapshot_id {snap} is not a 64-character hex restic snapshot id",
            snap = quoted(&snap)
        )));
    }
    Ok(())
}
