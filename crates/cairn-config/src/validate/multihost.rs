//! Multihost rules: a consistent identity, well-formed peers with unique ids and key ids, scopes that parse.
use super::Check;
use cairn_proto::quoted;
use cairn_proto::v1::Multihost;
use cairn_proto::v1::multihost::Peer;

pub(super) fn check(k: &mut Check, mh: &Multihost) {
    if let Some(id) = mh.identity.as_option() {
        if !id.keyid.starts_with(crate::identity::KEY_ID_PREFIX) {
            k.err(
                "sync.identity.keyId",
                "must start with \"ed25519.\"; remove the identity to have a new one made",
            );
        } else if let Err(e) = crate::identity::check(id) {
            k.err(
                "sync.identity",
                format!("{e}; restore the identity from a backup of the config, or remove it to have a new one made (peers must then pair again)"),
            );
        }
    }
    peers(k, "sync.knownHosts", &mh.known_hosts, true);
    peers(k, "sync.authorizedClients", &mh.authorized_clients, false);
    for (i, t) in mh.pairing_tokens.iter().enumerate() {
        if t.secret.len() != 64 || !t.secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            k.err(
                format!("sync.pairingTokens[{i}].secret"),
                "must be 64 hex characters",
            );
        }
        scopes(k, &format!("sync.pairingTokens[{i}]"), &t.permissions);
    }
}

fn peers(k: &mut Check, list: &str, peers: &[Peer], need_url: bool) {
    for (i, p) in peers.iter().enumerate() {
        let path = format!("{list}[{i}]");
        k.id(&format!("{path}.instanceId"), "instance", &p.instance_id);
        if p.instance_id.len() > 50 {
            k.err(
                format!("{path}.instanceId"),
                "instance id must be at most 50 characters",
            );
        }
        if p.keyid.is_empty() {
            k.err(format!("{path}.keyId"), "the peer's key id is required");
        }
        if need_url
            && !(p.instance_url.starts_with("http://") || p.instance_url.starts_with("https://"))
        {
            k.err(
                format!("{path}.instanceUrl"),
                "a known host needs its URL, starting with http:// or https://",
            );
        }
        scopes(k, &path, &p.permissions);
    }
    k.unique(
        "peer instance",
        peers
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{list}[{i}].instanceId"), p.instance_id.as_str())),
    );
    k.unique(
        "peer key",
        peers
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{list}[{i}].keyId"), p.keyid.as_str())),
    );
}

fn scopes(k: &mut Check, path: &str, permissions: &[cairn_proto::v1::multihost::Permission]) {
    for (i, perm) in permissions.iter().enumerate() {
        for (j, s) in perm.scopes.iter().enumerate() {
            let body = s.strip_prefix('!').unwrap_or(s);
            let ok = s == "*"
                || body
                    .strip_prefix("repo:")
                    .or_else(|| body.strip_prefix("plan:"))
                    .is_some_and(|id| !id.is_empty());
            if !ok {
                k.err(
                    format!("{path}.permissions[{i}].scopes[{j}]"),
                    format!(
                        "{s} is not a scope; use *, repo:<id>, plan:<id>, !repo:<id> or !plan:<id>",
                        s = quoted(&s)
                    ),
                );
            }
        }
    }
}
