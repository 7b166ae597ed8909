//! GetConfig and SetConfig: the config without its secrets, and a validated, modno-checked update that
//! keeps the stored secrets wherever the client sent back the placeholder.
use crate::errors;
use crate::secrets;
use crate::state::Shared;
use cairn_proto::v1::Config;
use connectrpc::ConnectError;

pub fn get(s: &Shared) -> Config {
    secrets::redact(s.orch.config().get())
}

/// Nothing is written unless the whole new config is valid and based on the current modno.
pub async fn set(s: &Shared, mut incoming: Config) -> Result<Config, ConnectError> {
    let stored = s.orch.config().get();
    secrets::restore(&mut incoming, &stored)?;
    let saved = s.orch.config().update(incoming).map_err(errors::config)?;
    s.orch.config_changed().await.map_err(errors::orch)?;
    Ok(secrets::redact(saved))
}
