//! Entry kinds as the index stores them: a small number per row instead of a word.

/// The stored number of a path that a snapshot no longer holds.
pub const GONE: i64 = 0;

const KINDS: [&str; 8] = [
    "file", "dir", "symlink", "dev", "chardev", "fifo", "socket", "other",
];

/// The stored number of a kind; an empty kind is gone, an unknown one "other".
pub fn code(kind: &str) -> i64 {
    if kind.is_empty() {
        return GONE;
    }
    let at = KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KINDS.len() - 1);
    i64::try_from(at).map_or(GONE, |at| at + 1)
}

/// The kind of a stored number.
pub fn name(code: i64) -> &'static str {
    usize::try_from(code - 1)
        .ok()
        .and_then(|at| KINDS.get(at))
        .copied()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in KINDS {
            assert_eq!(name(code(k)), k);
        }
        assert_eq!(code(""), GONE);
        assert_eq!(name(GONE), "");
        assert_eq!(name(code("door")), "other");
    }
}
