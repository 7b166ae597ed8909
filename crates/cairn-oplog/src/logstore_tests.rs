//! Unit tests of the log store: live follow, compression on finish, expiry, ownership, restart recovery.
use crate::*;
use std::io::Write;
use std::time::Duration;
use tempfile::TempDir;

#[tokio::test]
async fn a_live_log_is_followed_until_its_writer_finishes() {
    let dir = TempDir::new().unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    let mut w = store.create("t-live", 7, None).unwrap();
    w.write_all(b"first\n").unwrap();
    let mut r = store.open_reader("t-live").unwrap();
    assert_eq!(r.next_chunk().await.unwrap().unwrap(), b"first\n");
    let follower = tokio::spawn(async move { r.read_to_end().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(50)).await;
    w.write_all(b"second\n").unwrap();
    w.finish().unwrap();
    let rest = tokio::time::timeout(Duration::from_secs(5), follower)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rest, b"second\n");
    let all = store
        .open_reader("t-live")
        .unwrap()
        .read_to_end()
        .await
        .unwrap();
    assert_eq!(
        all, b"first\nsecond\n",
        "finished log is read back from compressed storage"
    );
    assert!(!dir.path().join(".inprogress/t-live.log").exists());
}

#[tokio::test]
async fn logs_expire_by_age_and_go_with_their_owner() {
    let dir = TempDir::new().unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    // A TTL that cannot run out while the test runs (creating a log also expires old ones).
    store
        .create("t-old", 1, Some(Duration::from_secs(600)))
        .unwrap()
        .finish()
        .unwrap();
    store.create("c-kept", 2, None).unwrap().finish().unwrap();
    assert!(
        store.exists("t-old").unwrap(),
        "not expired before its time"
    );
    assert_eq!(store.expire(logstore::now_ms() + 601_000).unwrap(), 1);
    assert!(matches!(
        store.open_reader("t-old"),
        Err(OplogError::LogNotFound(_))
    ));
    assert!(store.exists("c-kept").unwrap());
    assert_eq!(store.owner("c-kept").unwrap(), Some(2));
    assert_eq!(store.owner("t-old").unwrap(), None);
    assert_eq!(store.delete_owned_by(2).unwrap(), 1);
    assert!(!store.exists("c-kept").unwrap());
}

#[tokio::test]
async fn a_log_left_open_by_a_dead_process_is_recovered_on_restart() {
    let dir = TempDir::new().unwrap();
    {
        let store = LogStore::open(dir.path()).unwrap();
        let mut w = store.create("t-crash", 3, None).unwrap();
        w.write_all(b"partial output").unwrap();
        std::mem::forget(w); // the process dies: no finish, no drop
    }
    std::fs::write(dir.path().join(".inprogress/stray.log"), b"x").unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    let data = store
        .open_reader("t-crash")
        .unwrap()
        .read_to_end()
        .await
        .unwrap();
    assert_eq!(data, b"partial output");
    assert!(!dir.path().join(".inprogress/stray.log").exists());
}

#[test]
fn log_ids_that_could_escape_the_directory_are_refused() {
    let dir = TempDir::new().unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    for bad in ["../x", "a/b", "", "x y"] {
        assert!(
            matches!(store.create(bad, 1, None), Err(OplogError::InvalidLogId(_))),
            "{bad}"
        );
    }
    assert!(store.create("t-ok", 1, None).is_ok());
    let fresh = new_log_id("t");
    assert!(fresh.starts_with("t-") && fresh.len() == 38);
    assert!(
        store.create(&fresh, 1, None).is_ok(),
        "generated ids are valid"
    );
    assert!(
        store.create("t-ok", 1, None).is_err(),
        "duplicate id refused"
    );
}

#[tokio::test]
async fn large_output_streams_in_bounded_chunks() {
    let dir = TempDir::new().unwrap();
    let store = LogStore::open(dir.path()).unwrap();
    let mut w = store.create("c-big", 1, None).unwrap();
    let line = b"0123456789abcdef\n".repeat(20_000);
    w.write_all(&line).unwrap();
    w.finish().unwrap();
    let mut r = store.open_reader("c-big").unwrap();
    let mut total = 0;
    while let Some(chunk) = r.next_chunk().await.unwrap() {
        assert!(chunk.len() <= 64 * 1024);
        total += chunk.len();
    }
    assert_eq!(total, line.len());
}
