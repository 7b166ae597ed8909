//! The config's copy in the database, for a hub on PostgreSQL: a server that takes over from
//! another (a standby on another host, started with the same `--database-url`) finds the config
//! there, and every change goes through it, guarded by what the writer last saw.
use cairn_config::SharedCopy;
use cairn_oplog::OpLog;
use cairn_orchestrator::CONFIG_KEY;

/// The config's copy in the operation log's key/value table.
pub struct DatabaseConfigCopy {
    pub oplog: OpLog,
}

impl SharedCopy for DatabaseConfigCopy {
    fn load(&self) -> Result<Option<Vec<u8>>, String> {
        self.oplog.kv_get(CONFIG_KEY).map_err(|e| e.to_string())
    }

    fn replace(&self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, String> {
        self.oplog
            .kv_replace(CONFIG_KEY, expected, new)
            .map_err(|e| e.to_string())
    }
}
