//! `cairn config get` prints the server's config as JSON (secrets redacted); `cairn config set FILE`
//! (or `-` for stdin) replaces it. The server validates the whole config before writing anything.
use super::{Connection, Exit};
use buffa_types::google::protobuf::Empty;
use cairn_proto::v1::Config;
use std::io::Read;

pub async fn get(conn: &Connection) -> anyhow::Result<Exit> {
    let config = conn
        .backrest()?
        .get_config(Empty::default())
        .await?
        .into_owned();
    println!("{}", serde_json::to_string_pretty(&config)?);
    Ok(Exit::Ok)
}

pub async fn set(conn: &Connection, file: &str) -> anyhow::Result<Exit> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?;
    }
    let config: Config = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{file} is not a config in JSON: {e}"))?;
    let saved = conn.backrest()?.set_config(config).await?.into_owned();
    println!("config saved (modno {})", saved.modno);
    Ok(Exit::Ok)
}
