//! A repository's extra flags (`flags` in the config) as both engines take them: each entry
//! `${VAR}`-expanded and shell-split as Backrest does.
use crate::error::{EngineError, Result};
use crate::expand::expand_env;
use cairn_proto::quoted;
use cairn_proto::v1::Repo;

/// The repository's extra flags, `${VAR}`-expanded and shell-split, plus the SFTP batch-mode default
/// (only where restic knows the `sftp.args` option, 0.15 and newer, and no sftp option is set).
pub fn repo_flags(
    repo: &Repo,
    env: &impl Fn(&str) -> Option<String>,
    sftp_args_known: bool,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for f in &repo.flags {
        let expanded = expand_env(f, env);
        let words = shlex::split(&expanded).ok_or_else(|| {
            EngineError::Invalid(format!(
                "repo {} flag {f} has unbalanced quotes",
                repo.id,
                f = quoted(&f)
            ))
        })?;
        out.extend(words);
    }
    if sftp_args_known && repo.uri.starts_with("sftp:") && !out.iter().any(|f| f.contains("sftp."))
    {
        out.extend(["-o".to_string(), "sftp.args=-oBatchMode=yes".to_string()]);
    }
    Ok(out)
}
