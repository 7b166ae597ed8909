//! Choosing a repository's engine with the real restic binary installed: auto finds restic, a missing
//! restic says how to install it (or falls back to the embedded engine under auto), and the embedded
//! engine is there when asked for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed unwrap is a failed test"
)]
use cairn_orchestrator::engine_choice::{EngineChoice, select};

#[tokio::test]
async fn engine_selection_finds_restic_or_falls_back_to_the_embedded_engine() {
    let auto = select(EngineChoice::Auto, None).await.unwrap();
    assert_eq!(auto.info().name, "restic");
    assert!(auto.info().version.starts_with("0."));
    let missing = std::path::Path::new("/nonexistent/restic");
    let err = select(EngineChoice::Restic, Some(missing))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("apt-get install restic"), "{err}");
    let fallback = select(EngineChoice::Auto, Some(missing)).await.unwrap();
    assert_eq!(
        fallback.info().name,
        "embedded",
        "without restic, auto means the embedded engine"
    );
    let embedded = select(EngineChoice::Embedded, None).await.unwrap();
    assert_eq!(embedded.info().name, "embedded");
}
