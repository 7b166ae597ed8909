//! Builds Backrest-format histories for the import's tests (and for trying it): an `oplog.sqlite` in
//! schema 5 or 6 with operations of every type, written from the schema facts in Backrest's reference
//! (tables, columns, the group table, the metadata of each version), and `tasklogs/logs.sqlite` with
//! finished, in-progress and expired logs. Nothing here comes from Backrest's files.
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::{
    Operation, OperationCheck, OperationForget, OperationIndexSnapshot, OperationPrune,
    OperationRestore, OperationRunCommand, OperationRunHook, OperationStats, OperationStatus,
    ResticSnapshot,
};
use rusqlite::{Connection, params};
use std::io::Write;
use std::path::Path;

/// What a generated history holds, to compare an import against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Operations written.
    pub operations: u64,
    /// Distinct flows.
    pub flows: u64,
    /// Operations synced from a peer (with an original instance key id).
    pub from_peers: u64,
    /// Logs an import brings (not expired).
    pub logs: u64,
    /// Logs past their expiry.
    pub expired_logs: u64,
}

const OPS_SCHEMA: &str = "
CREATE TABLE operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ogid INTEGER NOT NULL, original_id INTEGER NOT NULL,
    original_flow_id INTEGER NOT NULL, modno INTEGER NOT NULL, flow_id INTEGER NOT NULL,
    start_time_ms INTEGER NOT NULL, status INTEGER NOT NULL, snapshot_id STRING NOT NULL,
    operation BLOB NOT NULL);
CREATE TABLE operation_groups (
    ogid INTEGER PRIMARY KEY AUTOINCREMENT, instance_id STRING NOT NULL,
    original_instance_keyid STRING NOT NULL, repo_guid STRING NOT NULL, repo_id STRING NOT NULL,
    plan_id STRING NOT NULL);";

const LOGS_SCHEMA: &str = "
CREATE TABLE logs (id TEXT PRIMARY KEY, expiration_ts_unix INTEGER DEFAULT 0, owner_opid INTEGER,
    data_fname TEXT, data_gz BLOB);
CREATE TABLE version_info (version INTEGER NOT NULL);";

/// The twelve groups: two instances (one a peer) x two repositories x three plans.
fn group(ogid: i64) -> (String, String, String, String, String) {
    let i = ogid - 1;
    let peer = i % 2 == 1;
    let (instance, keyid) = if peer {
        ("peer-host", "ed25519.peer-key")
    } else {
        ("laptop", "")
    };
    let repo = format!("repo{}", (i / 2) % 2);
    let guid = format!("{:064x}", 0xabc0 + (i / 2) % 2);
    let plan = format!("plan{}", i / 4);
    (instance.into(), keyid.into(), guid, repo, plan)
}

/// Writes a history of `n` operations in `dir` (Backrest's data directory layout).
pub fn write(dir: &Path, schema: i64, n: usize) -> rusqlite::Result<Facts> {
    std::fs::create_dir_all(dir.join("tasklogs/.inprogress"))
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    std::fs::write(dir.join("oplog.sqlite.lock"), b"")
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let mut ops = Connection::open(dir.join("oplog.sqlite"))?;
    ops.execute_batch(OPS_SCHEMA)?;
    ops.pragma_update(None, "user_version", schema)?;
    if schema == 5 {
        ops.execute_batch("CREATE TABLE system_info (version INTEGER NOT NULL); INSERT INTO system_info VALUES (6);")?;
    } else {
        ops.execute_batch("CREATE TABLE oplog_metadata (key TEXT PRIMARY KEY, value BLOB);")?;
        ops.execute(
            "INSERT INTO oplog_metadata VALUES ('version', ?1)",
            [6u64.to_le_bytes().to_vec()],
        )?;
    }
    let mut logs = Connection::open(dir.join("tasklogs/logs.sqlite"))?;
    logs.execute_batch(LOGS_SCHEMA)?;
    logs.execute("INSERT INTO version_info VALUES (1)", [])?;
    let mut facts = Facts::default();
    let tx = ops.transaction()?;
    let ltx = logs.transaction()?;
    for ogid in 1..=12 {
        let (instance, keyid, guid, repo, plan) = group(ogid);
        tx.execute(
            "INSERT INTO operation_groups VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![ogid, instance, keyid, guid, repo, plan],
        )?;
    }
    for i in 0..n as i64 {
        let id = i + 1;
        let ogid = 1 + (i / 4) % 12;
        let op = operation(id, ogid);
        if !op.original_instance_keyid.is_empty() {
            facts.from_peers += 1;
        }
        if op.flow_id == id {
            facts.flows += 1;
        }
        let mut stored = op.clone();
        if id % 7 == 0 {
            // Older records left these to the row's columns and group.
            stored.flow_id = 0;
            stored.modno = 0;
            stored.repo_guid.clear();
            stored.plan_id.clear();
        }
        tx.execute(
            "INSERT INTO operations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                ogid,
                op.original_id,
                op.original_flow_id,
                op.modno,
                op.flow_id,
                op.unix_time_start_ms,
                op.status.to_i32(),
                op.snapshot_id,
                buffa::Message::encode_to_vec(&stored)
            ],
        )?;
        write_logs(&ltx, dir, &op, &mut facts)?;
    }
    tx.commit()?;
    ltx.commit()?;
    facts.operations = n as u64;
    Ok(facts)
}

/// The operation with `id`: its type cycles through all nine; four in a row share a flow.
fn operation(id: i64, ogid: i64) -> Operation {
    let (instance, keyid, guid, repo, plan) = group(ogid);
    let snapshot = format!("{:064x}", 0x5000_0000 + (id - 1) / 4);
    let kind = (id - 1) % 9;
    let op = match kind {
        0 => Op::OperationBackup(Box::default()),
        1 => Op::OperationIndexSnapshot(Box::new(OperationIndexSnapshot {
            snapshot: ResticSnapshot {
                id: snapshot.clone(),
                ..Default::default()
            }
            .into(),
            forgot: id % 2 == 0,
            ..Default::default()
        })),
        2 => Op::OperationForget(Box::<OperationForget>::default()),
        3 => Op::OperationPrune(Box::new(OperationPrune {
            output_logref: format!("c-{id:08}-prune"),
            ..Default::default()
        })),
        4 => Op::OperationCheck(Box::new(OperationCheck {
            output_logref: format!("c-{id:08}-check"),
            ..Default::default()
        })),
        5 => Op::OperationRestore(Box::<OperationRestore>::default()),
        6 => Op::OperationStats(Box::<OperationStats>::default()),
        7 => Op::OperationRunHook(Box::new(OperationRunHook {
            parent_op: id - 1,
            name: "notify".into(),
            ..Default::default()
        })),
        _ => Op::OperationRunCommand(Box::new(OperationRunCommand {
            command: "snapshots".into(),
            output_logref: format!("c-{id:08}-command"),
            ..Default::default()
        })),
    };
    let with_snapshot = matches!(kind, 0..=2);
    Operation {
        id,
        modno: id * 2,
        flow_id: (id - 1) / 4 * 4 + 1,
        original_id: if keyid.is_empty() { 0 } else { id + 100_000 },
        original_flow_id: if keyid.is_empty() {
            0
        } else {
            (id - 1) / 4 * 4 + 100_001
        },
        original_instance_keyid: keyid,
        instance_id: instance,
        repo_id: repo,
        repo_guid: guid,
        plan_id: plan,
        snapshot_id: if with_snapshot {
            snapshot
        } else {
            String::new()
        },
        status: OperationStatus::STATUS_SUCCESS.into(),
        unix_time_start_ms: 1_700_000_000_000 + id * 60_000,
        unix_time_end_ms: 1_700_000_000_000 + id * 60_000 + 5_000,
        display_message: format!("operation {id}"),
        logref: format!("t-{id:08}"),
        op: Some(op),
        ..Default::default()
    }
}

/// The operation's task log (every 50th expired, every 97th still in progress) and its output log.
fn write_logs(
    tx: &rusqlite::Transaction<'_>,
    dir: &Path,
    op: &Operation,
    facts: &mut Facts,
) -> rusqlite::Result<()> {
    let expired = op.id % 50 == 0;
    let expiry = if expired { 1_000 } else { 0 };
    if expired {
        facts.expired_logs += 1;
    } else {
        facts.logs += 1;
    }
    let text = format!("task log of operation {}\n", op.id);
    if op.id % 97 == 0 {
        let fname = format!("{}.log", op.logref);
        std::fs::write(dir.join("tasklogs/.inprogress").join(&fname), &text)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        tx.execute(
            "INSERT INTO logs (id, expiration_ts_unix, owner_opid, data_fname) VALUES (?1, ?2, ?3, ?4)",
            params![op.logref, expiry, op.id, fname],
        )?;
    } else {
        tx.execute(
            "INSERT INTO logs (id, expiration_ts_unix, owner_opid, data_gz) VALUES (?1, ?2, ?3, ?4)",
            params![op.logref, expiry, op.id, gzip(&text)],
        )?;
    }
    let output = match &op.op {
        Some(Op::OperationPrune(p)) => &p.output_logref,
        Some(Op::OperationCheck(c)) => &c.output_logref,
        Some(Op::OperationRunCommand(c)) => &c.output_logref,
        _ => return Ok(()),
    };
    facts.logs += 1;
    tx.execute(
        "INSERT INTO logs (id, owner_opid, data_gz) VALUES (?1, ?2, ?3)",
        params![
            output,
            op.id,
            gzip(&format!("output of operation {}\n", op.id))
        ],
    )?;
    Ok(())
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(text.as_bytes());
    enc.finish().unwrap_or_default()
}
