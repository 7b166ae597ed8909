//! Start-up recovery: operations left running by a cairn that died become ERROR with a message saying
//! so (kept, not deleted; user-cancelled history is kept too), and the repositories they touched are
//! reported so their stale locks can be removed.
use cairn_oplog::{OpLog, Result};
use cairn_proto::v1::{Operation, OperationStatus};

/// The message an interrupted operation gets (before any message it already had).
pub const INTERRUPTED: &str = "interrupted: cairn stopped while this was running";

/// What recovery changed.
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    /// The operations marked as ERROR, as stored now.
    pub interrupted: Vec<Operation>,
}

impl Recovery {
    /// The repositories (id, guid) the interrupted operations ran against, each once.
    pub fn repos(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for op in &self.interrupted {
            let key = (op.repo_id.clone(), op.repo_guid.clone());
            if !out.contains(&key) {
                out.push(key);
            }
        }
        out
    }
}

/// Marks every INPROGRESS operation of this instance as ERROR in one transaction. PENDING operations
/// are left for the scheduler, which owns upcoming runs; a hub's copies of its clients' operations
/// are left to the clients, which run them.
pub fn recover_interrupted(log: &OpLog) -> Result<Recovery> {
    let running: Vec<Operation> = log
        .unfinished()?
        .into_iter()
        .filter(|o| {
            o.status == OperationStatus::STATUS_INPROGRESS && o.original_instance_keyid.is_empty()
        })
        .collect();
    if running.is_empty() {
        return Ok(Recovery::default());
    }
    let interrupted = log.transact(|tx| {
        let mut out = Vec::with_capacity(running.len());
        for mut op in running {
            op.status = OperationStatus::STATUS_ERROR.into();
            op.display_message = if op.display_message.is_empty() {
                INTERRUPTED.to_string()
            } else {
                format!("{INTERRUPTED}\n\n{}", op.display_message)
            };
            // When it really stopped is unknown; like Backrest, it ends where it started.
            if op.unix_time_end_ms == 0 {
                op.unix_time_end_ms = op.unix_time_start_ms;
            }
            tx.update(&mut op)?;
            out.push(op);
        }
        Ok(out)
    })?;
    Ok(Recovery { interrupted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_oplog::{Query, Selector};

    fn op(status: OperationStatus, repo: &str, message: &str) -> Operation {
        Operation {
            repo_id: repo.into(),
            repo_guid: format!("guid-{repo}"),
            plan_id: "p".into(),
            instance_id: "i".into(),
            status: status.into(),
            unix_time_start_ms: 1_700_000_000_000,
            display_message: message.into(),
            ..Default::default()
        }
    }

    #[test]
    fn running_operations_become_errors_and_the_rest_is_kept() {
        let dir = tempfile::TempDir::new().unwrap();
        let log = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        for (status, repo, msg) in [
            (OperationStatus::STATUS_INPROGRESS, "a", ""),
            (OperationStatus::STATUS_INPROGRESS, "a", "retrying"),
            (OperationStatus::STATUS_INPROGRESS, "b", ""),
            (
                OperationStatus::STATUS_USER_CANCELLED,
                "a",
                "cancelled by user",
            ),
            (OperationStatus::STATUS_PENDING, "a", ""),
            (OperationStatus::STATUS_SUCCESS, "a", ""),
        ] {
            log.add(&mut op(status, repo, msg)).unwrap();
        }
        let r = recover_interrupted(&log).unwrap();
        assert_eq!(r.interrupted.len(), 3);
        assert_eq!(
            r.repos(),
            vec![
                ("a".to_string(), "guid-a".to_string()),
                ("b".to_string(), "guid-b".to_string())
            ]
        );
        let all = log.query(&Query::new(Selector::all())).unwrap();
        assert_eq!(all.len(), 6, "nothing deleted, user-cancelled history kept");
        assert_eq!(all[0].status, OperationStatus::STATUS_ERROR);
        assert_eq!(all[0].display_message, INTERRUPTED);
        assert_eq!(all[1].display_message, format!("{INTERRUPTED}\n\nretrying"));
        assert_eq!(all[0].unix_time_end_ms, all[0].unix_time_start_ms);
        assert_eq!(all[3].status, OperationStatus::STATUS_USER_CANCELLED);
        assert_eq!(all[4].status, OperationStatus::STATUS_PENDING);
        assert!(
            recover_interrupted(&log).unwrap().interrupted.is_empty(),
            "idempotent"
        );
    }

    #[test]
    fn a_hubs_copies_of_its_clients_running_operations_are_left_to_the_clients() {
        let dir = tempfile::TempDir::new().unwrap();
        let log = OpLog::open(dir.path().join("oplog.sqlite")).unwrap();
        let mut client_op = op(OperationStatus::STATUS_INPROGRESS, "a", "");
        client_op.id = 7;
        client_op.modno = 3;
        client_op.flow_id = 7;
        log.transact(|tx| tx.store_synced("ed25519.client", client_op.clone()))
            .unwrap();
        log.add(&mut op(OperationStatus::STATUS_INPROGRESS, "a", ""))
            .unwrap();
        let r = recover_interrupted(&log).unwrap();
        assert_eq!(r.interrupted.len(), 1, "only this instance's own");
        assert!(r.interrupted[0].original_instance_keyid.is_empty());
        let clients = log
            .query(&Query::new(Selector {
                original_instance_keyid: Some("ed25519.client".into()),
                ..Selector::default()
            }))
            .unwrap();
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0].status, OperationStatus::STATUS_INPROGRESS);
    }
}
