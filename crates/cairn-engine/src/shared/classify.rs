//! What a failure's text says went wrong, for the kinds callers must tell apart: a flag refused, the
//! storage out of reach or refusing the credentials, damaged data, a full disk. Both engines' failures
//! go through it (restic's output; the embedded worker's messages), so the same fault is the same
//! `EngineError` whichever engine met it. Text that matches none stays a plain command failure.
use crate::error::EngineError;

/// Lower-case fragments of a failure's text, and the error they mean.
type Kind = (&'static [&'static str], fn(String) -> EngineError);

/// The kinds, in order of precedence.
const KINDS: &[Kind] = &[
    (
        &[
            "unknown flag",
            "unknown shorthand flag",
            "flag needs an argument",
        ],
        EngineError::InvalidFlag,
    ),
    (
        &["no space left on device", "disk quota exceeded"],
        EngineError::ResourceLimit,
    ),
    (
        &[
            "403 forbidden",
            "401 unauthorized",
            "accessdenied",
            "access denied",
            "signaturedoesnotmatch",
            "invalidaccesskeyid",
            "authenticationfailed",
            "permission denied (publickey",
        ],
        EngineError::StorageAuth,
    ),
    (
        &[
            "connection refused",
            "no such host",
            "network is unreachable",
            "i/o timeout",
            "connection reset by peer",
            "tls handshake",
            "dns error",
            "timed out",
        ],
        EngineError::Network,
    ),
    (
        &[
            "ciphertext verification failed",
            "hash does not match",
            "pack file is damaged",
            "data is damaged",
            "pack id does not match",
            "repository contains errors",
            "errors in the repository",
        ],
        EngineError::Corrupt,
    ),
];

/// The typed error `output` describes, with the line that says so, if it names one of the kinds.
pub fn classify(output: &str) -> Option<EngineError> {
    let lower = output.to_lowercase();
    KINDS.iter().find_map(|(fragments, make)| {
        let fragment = fragments.iter().find(|f| lower.contains(**f))?;
        let line = output
            .lines()
            .find(|l| l.to_lowercase().contains(fragment))
            .unwrap_or(output)
            .trim();
        Some(make(line.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_from_its_words_and_names_the_line() {
        let cases = [
            (
                "Fatal: unknown flag: --frobnicate",
                EngineError::InvalidFlag(String::new()),
            ),
            (
                "Save(<data/1>) failed: write /r/data/1: no space left on device",
                EngineError::ResourceLimit(String::new()),
            ),
            (
                "Fatal: unable to open config file: 403 Forbidden",
                EngineError::StorageAuth(String::new()),
            ),
            (
                "dial tcp 127.0.0.1:1: connect: connection refused",
                EngineError::Network(String::new()),
            ),
            (
                "load <data/abc>: ciphertext verification failed",
                EngineError::Corrupt(String::new()),
            ),
        ];
        for (text, kind) in cases {
            let e = classify(&format!("some progress\n{text}\nmore")).unwrap();
            let same = std::mem::discriminant(&e) == std::mem::discriminant(&kind);
            assert!(same, "{text}: {e}");
            assert!(e.to_string().contains(text.trim()), "{e}");
        }
        assert!(classify("Fatal: something else went wrong").is_none());
    }
}
