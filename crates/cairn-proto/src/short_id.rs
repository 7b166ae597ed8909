//! The short form of a snapshot or blob id that restic prints and accepts: its first 8 characters.

/// The first 8 characters of `id` (all of it when shorter, or when 8 would split a character).
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_characters_or_the_whole_id() {
        assert_eq!(short_id("0123456789abcdef"), "01234567");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(short_id(""), "");
        assert_eq!(short_id("ééééé"), "éééé");
    }
}
