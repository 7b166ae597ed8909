//! GetConfig and SetConfig: the config without its secrets, and a validated, modno-checked update that
//! keeps the stored secrets wherever the client sent back the placeholder or left them out; both also
//! serve Backrest's first-run dialog (see [`crate::auth::first_run`]).
use crate::auth::first_run::{self, FirstRun};
use crate::errors;
use crate::secrets;
use crate::state::Shared;
use cairn_proto::v1::Config;
use connectrpc::ConnectError;

/// The config as the caller may see it: all of it but its secrets, or during the first-run flow only
/// what the first-run dialog needs.
pub fn get(s: &Shared, first_run: Option<&FirstRun>) -> Config {
    shown(s.orch.config().get(), first_run)
}

/// The config without its secrets, narrowed to the first-run view during the first-run flow.
fn shown(config: Config, first_run: Option<&FirstRun>) -> Config {
    let redacted = secrets::redact(config);
    match first_run {
        Some(_) => first_run::view(&redacted),
        None => redacted,
    }
}

/// Nothing is written unless the whole new config is valid and based on the current modno. During
/// the first-run flow only the auth section (and an unset instance id) is taken.
pub async fn set(
    s: &Shared,
    mut incoming: Config,
    first_run: Option<&FirstRun>,
) -> Result<Config, ConnectError> {
    let stored = s.orch.config().get();
    secrets::restore(&mut incoming, &stored)?;
    if first_run.is_some() {
        incoming = first_run::apply(&stored, incoming)?;
    }
    let saved = s.orch.config().update(incoming).map_err(errors::config)?;
    if first_run.is_some() {
        tracing::info!("first-run setup done from a Backrest-style settings save");
    }
    s.orch.config_changed().await.map_err(errors::orch)?;
    Ok(shown(saved, first_run))
}
