//! Fuzzing the path checks: whatever a client sends as a download sub-path, restore target or
//! snapshot path, an accepted path stays inside its root (symlinks included), and nothing panics.
use super::{absolute, in_snapshot, inside};
use proptest::prelude::*;
use std::path::Path;

fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_string()),
        Just(".".to_string()),
        Just("".to_string()),
        Just("in".to_string()),
        Just("out".to_string()),
        Just("sub".to_string()),
        Just("a.txt".to_string()),
        Just("\0".to_string()),
        "\\PC{0,6}",
    ]
}

fn sub_path() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(part(), 0..6)).prop_map(|(abs, parts)| {
        let p = parts.join("/");
        if abs { format!("/{p}") } else { p }
    })
}

proptest! {
    #[test]
    fn accepted_sub_paths_stay_inside_the_root(sub in sub_path()) {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), b"a").unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("in")).unwrap();
        if let Ok(p) = inside(&root, &sub) {
            prop_assert!(p.starts_with(root.canonicalize().unwrap()), "{:?} -> {:?}", sub, p);
        }
    }

    #[test]
    fn accepted_targets_are_absolute_without_parent_steps(text in sub_path()) {
        if let Ok(p) = absolute("target", &text) {
            prop_assert!(p.is_absolute());
            prop_assert!(!p.components().any(|c| c == std::path::Component::ParentDir));
        }
        if in_snapshot("path", &text).is_ok() {
            prop_assert!(!text.split('/').any(|c| c == ".."));
            prop_assert!(text.is_empty() || Path::new(&text).is_absolute());
        }
    }
}
