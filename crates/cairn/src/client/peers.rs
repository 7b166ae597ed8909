//! `cairn peers`: every multihost peer of the server, its role (a host it dials, or a client it
//! accepts), its session state, last heartbeat and the last thing its session said.
use super::format::time;
use super::{Connection, Exit};
use buffa_types::google::protobuf::Empty;
use cairn_proto::v1sync::{ConnectionState, PeerState, SyncStateStreamRequest};

pub async fn run(conn: &Connection) -> anyhow::Result<Exit> {
    let config = conn
        .backrest()?
        .get_config(Empty::default())
        .await?
        .into_owned();
    let mut states = Vec::new();
    let mut stream = conn
        .sync_state()?
        .get_peer_sync_states_stream(SyncStateStreamRequest {
            subscribe: false,
            ..SyncStateStreamRequest::default()
        })
        .await?;
    while let Some(s) = stream.message().await? {
        states.push(s.to_owned_message());
    }
    let Some(mh) = config.multihost.as_option() else {
        println!("no peers: this instance has no multihost settings");
        return Ok(Exit::Ok);
    };
    let roles = mh
        .known_hosts
        .iter()
        .map(|p| ("host", p))
        .chain(mh.authorized_clients.iter().map(|p| ("client", p)));
    let mut any = false;
    for (role, peer) in roles {
        any = true;
        let state = states.iter().find(|s| s.peer_keyid == peer.keyid);
        println!("{}", row(role, &peer.instance_id, &peer.keyid, state));
    }
    if !any {
        println!(
            "no peers: pair one with `cairn pair token` (on the hub) and `cairn pair add` (on the client)"
        );
    }
    Ok(Exit::Ok)
}

/// One peer's line: role, instance, state, last heartbeat, key id, message.
fn row(role: &str, instance: &str, keyid: &str, state: Option<&PeerState>) -> String {
    let (name, heartbeat, message) = match state {
        Some(s) => (
            state_name(s.state.to_i32()),
            if s.last_heartbeat_millis > 0 {
                time(s.last_heartbeat_millis)
            } else {
                "-".into()
            },
            s.status_message.as_str(),
        ),
        None => ("disconnected", "-".into(), ""),
    };
    format!("{role:<7} {instance:<20} {name:<13} heartbeat {heartbeat:<19} {keyid}  {message}")
        .trim_end()
        .to_string()
}

fn state_name(state: i32) -> &'static str {
    use ConnectionState as S;
    match <S as buffa::Enumeration>::from_i32(state) {
        Some(S::CONNECTION_STATE_PENDING) => "connecting",
        Some(S::CONNECTION_STATE_CONNECTED) => "connected",
        Some(S::CONNECTION_STATE_RETRY_WAIT) => "retry-wait",
        Some(S::CONNECTION_STATE_ERROR_AUTH) => "refused",
        Some(S::CONNECTION_STATE_ERROR_PROTOCOL) => "protocol-error",
        Some(S::CONNECTION_STATE_ERROR_INTERNAL) => "error",
        Some(S::CONNECTION_STATE_DISCONNECTED) | Some(S::CONNECTION_STATE_UNKNOWN) | None => {
            "disconnected"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_shows_the_state_and_message() {
        let s = PeerState {
            peer_keyid: "ed25519.k".into(),
            state: ConnectionState::CONNECTION_STATE_CONNECTED.into(),
            status_message: "connected".into(),
            ..PeerState::default()
        };
        let r = row("client", "laptop", "ed25519.k", Some(&s));
        assert!(r.starts_with("client  laptop"), "{r}");
        assert!(
            r.contains("connected") && r.ends_with("ed25519.k  connected"),
            "{r}"
        );
        assert!(row("host", "hub", "k", None).contains("disconnected"));
    }
}
