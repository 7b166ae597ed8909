//! Matching names against what a user typed: a glob over the whole name when the pattern holds a
//! glob character, otherwise a substring; letter case never matters.
use crate::error::{Result, SearchError};

/// A compiled name pattern.
pub enum NamePattern {
    /// The lowercased substring.
    Substring(String),
    /// A glob over the whole name.
    Glob(glob::Pattern),
}

const OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: false,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl NamePattern {
    /// Compiles a pattern, refusing an empty one or an invalid glob.
    pub fn new(pattern: &str) -> Result<Self> {
        if pattern.is_empty() {
            return Err(SearchError::Pattern {
                pattern: String::new(),
                reason: "it is empty; give part of a name, or a glob such as *.jpg".into(),
            });
        }
        if !pattern.contains(['*', '?', '[']) {
            return Ok(Self::Substring(pattern.to_lowercase()));
        }
        glob::Pattern::new(pattern)
            .map(Self::Glob)
            .map_err(|e| SearchError::Pattern {
                pattern: pattern.to_string(),
                reason: e.to_string(),
            })
    }

    /// Whether a name matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Self::Substring(s) => name.to_lowercase().contains(s.as_str()),
            Self::Glob(g) => g.matches_with(name, OPTIONS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_and_globs_ignore_case() {
        let sub = NamePattern::new("Report").unwrap();
        assert!(sub.matches("2024-report.PDF"));
        assert!(!sub.matches("repo.txt"));
        let glob = NamePattern::new("*.jpg").unwrap();
        assert!(glob.matches("IMG_1.JPG"));
        assert!(!glob.matches("IMG_1.JPG.bak"));
        assert!(NamePattern::new("").is_err());
        assert!(NamePattern::new("[z-a").is_err());
    }
}
