//! PathAutocomplete: the entries of a directory on the server, for path fields in the UI.
use connectrpc::ConnectError;

/// At most this many names are returned.
const MAX_ENTRIES: usize = 1000;

/// Sorted names of the entries of `dir` (absolute, no `..`); a missing directory has none.
pub async fn autocomplete(dir: &str) -> Result<Vec<String>, ConnectError> {
    let dir = crate::paths::absolute("value", dir)?;
    tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names.truncate(MAX_ENTRIES);
        names
    })
    .await
    .map_err(|e| connectrpc::ConnectError::internal(e.to_string()))
}
