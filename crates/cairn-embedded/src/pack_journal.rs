//! The journal of packs a backup has uploaded. rustic_core indexes new packs only every 50,000 blobs or
//! 5 minutes, so a backup killed before its end leaves packs that no index names, and the next run would
//! upload their data again. Each backup therefore notes every pack it stores (id and size) in a journal
//! file of its own on this host, locked while the run lives, and removes the file once its snapshot is
//! saved. A journal found unlocked belongs to a run that ended without finishing: its packs are the
//! leftovers the next backup indexes (see `worker::leftovers`).
//!
//! Recording is best effort: a line lost to a crash only means that pack's data is uploaded again.
use parking_lot::Mutex;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const SUFFIX: &str = "packs";

/// This run's journal, locked until it is finished or the process ends.
pub struct PackJournal {
    file: Mutex<File>,
    path: PathBuf,
}

/// The journal of a run that ended without finishing, locked by the caller while it handles it.
pub struct Unfinished {
    _file: File,
    path: PathBuf,
    pub packs: Vec<(String, u64)>,
}

/// The journal directory of one repository under the engine's cache directory.
pub fn dir_for(cache_dir: &Path, repo_id: &str) -> PathBuf {
    cache_dir.join("journal").join(repo_id)
}

impl PackJournal {
    /// Starts a journal in `dir` (created when missing).
    pub fn start(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut nonce = [0u8; 8];
        getrandom::getrandom(&mut nonce).map_err(|e| io::Error::other(e.to_string()))?;
        let path = dir.join(format!(
            "{}-{}.{SUFFIX}",
            std::process::id(),
            hex::encode(nonce)
        ));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)?;
        file.lock()?;
        Ok(PackJournal {
            file: Mutex::new(file),
            path,
        })
    }

    /// Notes a stored pack (one short line, appended in a single write).
    pub fn record(&self, id: &str, size: u64) -> io::Result<()> {
        let mut file = self.file.lock();
        file.write_all(format!("{id} {size}\n").as_bytes())
    }

    /// The run finished: its packs are indexed, so the journal goes.
    pub fn finish(&self) -> io::Result<()> {
        std::fs::remove_file(&self.path)
    }
}

impl Unfinished {
    /// The leftovers are indexed (or gone): the journal goes.
    pub fn discard(self) -> io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The journals in `dir` whose runs are over (no process holds their lock), each now locked by the
/// caller; a running backup's journal is left alone.
pub fn unfinished(dir: &Path) -> io::Result<Vec<Unfinished>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(SUFFIX) {
            continue;
        }
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if file.try_lock().is_err() {
            continue;
        }
        let packs = parse(&std::fs::read_to_string(&path)?);
        out.push(Unfinished {
            _file: file,
            path,
            packs,
        });
    }
    Ok(out)
}

/// The well-formed lines of a journal (a torn last line is skipped).
fn parse(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|line| {
            let (id, size) = line.split_once(' ')?;
            let valid = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
            Some((id.to_string(), size.parse().ok()?)).filter(|_| valid)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_live_journal_is_left_alone_and_a_dropped_one_is_found_with_its_packs() {
        let dir = tempfile::TempDir::new().unwrap();
        let live = PackJournal::start(dir.path()).unwrap();
        live.record(A, 10).unwrap();
        assert!(unfinished(dir.path()).unwrap().is_empty());

        let dead = PackJournal::start(dir.path()).unwrap();
        dead.record(B, 20).unwrap();
        drop(dead);
        let found = unfinished(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].packs, vec![(B.to_string(), 20)]);
        assert!(
            unfinished(dir.path()).unwrap().is_empty(),
            "taken by the first caller while it handles it"
        );
        for f in found {
            f.discard().unwrap();
        }
        live.finish().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn torn_and_foreign_lines_are_skipped() {
        let text = format!("{A} 10\n{B} 2x\nzz 3\n{B} 7\n{A}");
        assert_eq!(parse(&text), vec![(A.to_string(), 10), (B.to_string(), 7)]);
        assert!(
            unfinished(Path::new("/nonexistent/journal"))
                .unwrap()
                .is_empty()
        );
    }
}
