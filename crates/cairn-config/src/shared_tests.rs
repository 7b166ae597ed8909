//! Tests of a config shared by several servers through a copy (the hub processes of one database):
//! the copy wins over a file, a change made on one server reaches the other on reload, and a change
//! made from a stale view is refused with the other server's config taken instead.
use crate::store::{ConfigStore, SharedCopy};
use crate::{ConfigError, MigrationEnv, default_config};
use parking_lot::Mutex;
use std::sync::Arc;

/// The copy, in memory.
#[derive(Default)]
struct Memory(Mutex<Option<Vec<u8>>>);

impl SharedCopy for Memory {
    fn load(&self) -> Result<Option<Vec<u8>>, String> {
        Ok(self.0.lock().clone())
    }

    fn replace(&self, expected: Option<&[u8]>, new: &[u8]) -> Result<bool, String> {
        let mut stored = self.0.lock();
        if stored.as_deref() != expected {
            return Ok(false);
        }
        *stored = Some(new.to_vec());
        Ok(true)
    }
}

fn open(dir: &std::path::Path, name: &str, copy: &Arc<Memory>) -> ConfigStore {
    ConfigStore::open_shared(
        dir.join(format!("{name}.json")),
        &MigrationEnv::default(),
        || default_config(name),
        None,
        copy.clone(),
    )
    .unwrap()
}

#[test]
fn servers_sharing_a_copy_see_one_config_and_never_overwrite_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let copy = Arc::new(Memory::default());
    let a = open(dir.path(), "a", &copy);
    let b = open(dir.path(), "b", &copy);
    assert_eq!(
        b.get().instance,
        "a",
        "the stored copy wins over b's own default"
    );
    assert!(
        std::fs::read_to_string(dir.path().join("b.json"))
            .unwrap()
            .contains("\"a\""),
        "b's file keeps a copy"
    );

    let mut change = a.get();
    change.instance = "renamed".into();
    a.update(change).unwrap();
    assert!(b.reload_shared().unwrap());
    assert!(!b.reload_shared().unwrap(), "nothing new the second time");
    assert_eq!(b.get().instance, "renamed");

    // b changes it; a, not having reloaded, changes it from its stale view: refused, and a now
    // has b's config.
    b.modify(|c| -> Result<(), ConfigError> {
        c.instance = "from-b".into();
        Ok(())
    })
    .unwrap();
    let err = a
        .modify(|c| -> Result<(), ConfigError> {
            c.instance = "from-a".into();
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, ConfigError::StaleModno { .. }), "{err}");
    assert_eq!(a.get().instance, "from-b");
    assert_eq!(a.get().modno, b.get().modno);
    // From the fresh view it goes through.
    a.modify(|c| -> Result<(), ConfigError> {
        c.instance = "from-a".into();
        Ok(())
    })
    .unwrap();
    assert!(b.reload_shared().unwrap());
    assert_eq!(b.get().instance, "from-a");
}
