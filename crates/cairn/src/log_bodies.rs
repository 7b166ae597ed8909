//! Where task logs live: the data dir, and on a shared database the database for finished ones, their
//! text in the S3 bucket `--log-store-url` names when given (the database keeps their index; each log
//! is `tasklogs/<log id>.gz` under the bucket's prefix).
use crate::settings::Settings;
use anyhow::Context;
use cairn_embedded::ObjectPlace;
use cairn_oplog::{LogBodies, LogStore, OpLog};
use std::path::Path;
use std::sync::Arc;

const FOLDER: &str = "tasklogs";

/// Task logs' text in an S3 bucket.
pub struct S3LogBodies(pub ObjectPlace);

fn name(id: &str) -> String {
    format!("{id}.gz")
}

impl LogBodies for S3LogBodies {
    fn describe(&self) -> String {
        self.0.describe().to_string()
    }

    fn put(&self, id: &str, gzip: &[u8]) -> std::io::Result<()> {
        self.0.write(FOLDER, &name(id), gzip)
    }

    fn get(&self, id: &str) -> std::io::Result<Vec<u8>> {
        self.0.read(FOLDER, &name(id))
    }

    fn delete(&self, id: &str) -> std::io::Result<()> {
        self.0.remove(FOLDER, &name(id))
    }
}

/// The task log store in `dir`; on a shared database, finished logs move into the database
/// (their text into the S3 bucket `--log-store-url` names, when given), so every server reads them.
pub fn open(dir: &Path, settings: &Settings, oplog: &OpLog) -> anyhow::Result<LogStore> {
    let opened = match (&settings.database_url, &settings.log_store_url) {
        (None, _) => LogStore::open(dir),
        (Some(_), None) => LogStore::open_shared(dir, oplog.clone(), None),
        (Some(_), Some(url)) => {
            let place = ObjectPlace::open(url).with_context(|| {
                format!("reaching the task log storage {url} (--log-store-url)")
            })?;
            tracing::info!(place = %place.describe(), "finished task logs are kept in S3");
            let bodies = Arc::new(S3LogBodies(place));
            LogStore::open_shared(dir, oplog.clone(), Some(bodies))
        }
    };
    opened.with_context(|| format!("opening the log store in {}", dir.display()))
}
