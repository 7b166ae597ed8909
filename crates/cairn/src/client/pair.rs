//! `cairn pair token` (on a hub: issue a pairing token) and `cairn pair add TOKEN URL` (on a client:
//! add the hub as a known host; the token is used on first contact). Permissions are given as
//! `read-operations`, `read-config`, `read-write-config`, `receive-shared-repos` or `run-tasks` (cairn's
//! fleet control), each optionally
//! with scopes after `=` (`read-operations=plan:home,!repo:scratch`).
use super::{Connection, Exit};
use buffa_types::google::protobuf::Empty;
use cairn_config::pairing::PairingToken;
use cairn_proto::quoted;
use cairn_proto::v1::GeneratePairingTokenRequest;
use cairn_proto::v1::multihost::permission::Type;
use cairn_proto::v1::multihost::{Peer, Permission};

/// Reads one `--permission` value.
pub fn parse_permission(text: &str) -> anyhow::Result<Permission> {
    let (name, scopes) = text.split_once('=').unwrap_or((text, ""));
    let ty = match name.trim() {
        "read-operations" => Type::PERMISSION_READ_OPERATIONS,
        "read-config" => Type::PERMISSION_READ_CONFIG,
        "read-write-config" => Type::PERMISSION_READ_WRITE_CONFIG,
        "receive-shared-repos" => Type::PERMISSION_RECEIVE_SHARED_REPOS,
        "run-tasks" => Type::PERMISSION_RUN_TASKS,
        other => anyhow::bail!(
            "unknown permission {}: use read-operations, read-config, read-write-config, receive-shared-repos or run-tasks, optionally =scope,scope",
            quoted(other)
        ),
    };
    Ok(Permission {
        r#type: ty.into(),
        scopes: scopes
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        ..Permission::default()
    })
}

/// Issues a token on the server (a hub) and prints it.
pub async fn token(
    conn: &Connection,
    label: &str,
    ttl: std::time::Duration,
    uses: i32,
    permissions: Vec<Permission>,
) -> anyhow::Result<Exit> {
    let r = conn
        .backrest()?
        .generate_pairing_token(GeneratePairingTokenRequest {
            label: label.into(),
            ttl_seconds: i64::try_from(ttl.as_secs())?,
            max_uses: uses,
            permissions,
            ..GeneratePairingTokenRequest::default()
        })
        .await?
        .into_owned();
    eprintln!("pairing token (shown only now; paste it on the client with `cairn pair add`):");
    println!("{}", r.token);
    Ok(Exit::Ok)
}

/// Adds the hub named by `token`, reachable at `url`, as a known host of the server (a client).
pub async fn add(
    conn: &Connection,
    token: &str,
    url: &str,
    permissions: Vec<Permission>,
) -> anyhow::Result<Exit> {
    let parsed = PairingToken::parse(token)?;
    let api = conn.backrest()?;
    let mut config = api.get_config(Empty::default()).await?.into_owned();
    let mh = config.multihost.get_or_insert_default();
    anyhow::ensure!(
        !mh.known_hosts.iter().any(|h| h.keyid == parsed.key_id),
        "{} is a known host already; remove it first to pair again",
        quoted(&parsed.instance_id)
    );
    mh.known_hosts.push(Peer {
        instance_id: parsed.instance_id.clone(),
        keyid: parsed.key_id,
        instance_url: url.into(),
        initial_pairing_secret: parsed.secret,
        permissions,
        ..Peer::default()
    });
    api.set_config(config).await?;
    println!(
        "added {} at {url}; it pairs on first contact (see `cairn peers`)",
        quoted(&parsed.instance_id)
    );
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_read_with_their_scopes() {
        let p = parse_permission("read-operations=plan:home, !repo:x").unwrap();
        assert_eq!(p.r#type.to_i32(), Type::PERMISSION_READ_OPERATIONS as i32);
        assert_eq!(p.scopes, ["plan:home", "!repo:x"]);
        assert!(
            parse_permission("receive-shared-repos")
                .unwrap()
                .scopes
                .is_empty()
        );
        let e = parse_permission("root").unwrap_err().to_string();
        assert!(e.contains("read-operations"), "{e}");
    }
}
