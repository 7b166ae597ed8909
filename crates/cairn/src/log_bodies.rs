//! `--log-store-url`: the text of finished task logs in an S3 bucket, shared by the servers of one
//! database (the database keeps their index); each log is `tasklogs/<log id>.gz` under the prefix.
use cairn_embedded::ObjectPlace;
use cairn_oplog::LogBodies;

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
