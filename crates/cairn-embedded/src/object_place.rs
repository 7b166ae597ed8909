//! Objects cairn keeps beside repositories, in an S3 bucket the embedded engine's S3 client reaches
//! (`s3:` URIs as restic writes them, with the same credentials and settings): a hub's shared task
//! logs. The client blocks, so it lives on a thread of its own and callers (threads or a runtime's
//! tasks) wait for each answer.
use crate::flags::RunSettings;
use crate::location::Location;
use crate::storage::Storage;
use std::io;
use std::sync::mpsc;

type Job = Box<dyn FnOnce(&dyn Storage) + Send>;

/// A bucket (and prefix) holding objects by folder and name.
pub struct ObjectPlace {
    jobs: mpsc::Sender<Job>,
    described: String,
}

impl ObjectPlace {
    /// Reaches the bucket an `s3:` URI names, creating it if it does not exist (as restic does).
    pub fn open(uri: &str) -> io::Result<Self> {
        if !uri.starts_with("s3:") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{uri} is not an s3: location; write s3:host/bucket[/prefix] or s3:http://host:port/bucket[/prefix]"
                ),
            ));
        }
        let location = Location::parse(uri).map_err(|e| io::Error::other(e.to_string()))?;
        let (jobs, queued) = mpsc::channel::<Job>();
        let (ready, opened) = mpsc::channel::<io::Result<String>>();
        std::thread::Builder::new()
            .name("cairn-objects".into())
            .spawn(move || {
                let storage = location
                    .open(&RunSettings::default())
                    .and_then(|s| s.create().map(|()| s));
                let storage = match storage {
                    Ok(s) => {
                        let _ = ready.send(Ok(s.location()));
                        s
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = queued.recv() {
                    job(storage.as_ref());
                }
            })?;
        let described = opened
            .recv()
            .map_err(|_| io::Error::other("the object storage thread stopped"))??;
        Ok(Self { jobs, described })
    }

    /// Where the objects are, for messages (no credentials).
    pub fn describe(&self) -> &str {
        &self.described
    }

    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&dyn Storage) -> io::Result<T> + Send + 'static,
    ) -> io::Result<T> {
        let (answer, answered) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |s| {
                let _ = answer.send(job(s));
            }))
            .map_err(|_| io::Error::other("the object storage thread stopped"))?;
        answered
            .recv()
            .map_err(|_| io::Error::other("the object storage thread stopped"))?
    }

    /// Stores `data` as `dir/name`, replacing what was there.
    pub fn write(&self, dir: &str, name: &str, data: &[u8]) -> io::Result<()> {
        let (dir, name, data) = (dir.to_string(), name.to_string(), data.to_vec());
        self.run(move |s| s.write(&dir, &name, &data))
    }

    /// The whole of `dir/name`.
    pub fn read(&self, dir: &str, name: &str) -> io::Result<Vec<u8>> {
        let (dir, name) = (dir.to_string(), name.to_string());
        self.run(move |s| s.read(&dir, &name, None).map(|b| b.to_vec()))
    }

    /// Removes `dir/name` (one that is not there is no error).
    pub fn remove(&self, dir: &str, name: &str) -> io::Result<()> {
        let (dir, name) = (dir.to_string(), name.to_string());
        self.run(move |s| match s.remove(&dir, &name) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        })
    }
}
