//! ID token validation (OpenID Connect Core §3.1.3.7): signed by one of the provider's keys with an
//! asymmetric algorithm (never `none` or a shared secret), issued by the configured issuer for this
//! client, unexpired (60 s leeway for clocks), and carrying the nonce of this sign-in.
use super::error::OidcError;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// What the token must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
}

/// The algorithms a provider may sign ID tokens with.
const ALLOWED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// An algorithm's name as JOSE writes it (`RS256`, `HS256`, ...).
fn algorithm_name(alg: Algorithm) -> String {
    serde_json::to_value(alg)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The key id a token names (if any) and its algorithm, refused when not an allowed one.
pub fn header(token: &str) -> Result<(Option<String>, Algorithm), OidcError> {
    let h = jsonwebtoken::decode_header(token).map_err(|e| OidcError::BadToken(e.to_string()))?;
    if !ALLOWED.contains(&h.alg) {
        return Err(OidcError::BadToken(format!(
            "it is signed with {}; cairn accepts RS*, PS*, ES256, ES384 and EdDSA",
            algorithm_name(h.alg)
        )));
    }
    Ok((h.kid, h.alg))
}

/// The key of `keys` that signs tokens with `kid` and `alg`: the one with that id, or the only
/// signing key when the token names none.
pub fn find_key<'a>(keys: &'a JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<&'a Jwk> {
    let usable = |k: &&Jwk| {
        !matches!(k.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature)
            && k.common
                .key_algorithm
                .is_none_or(|a| a == KeyAlgorithm::from(alg))
    };
    match kid {
        Some(kid) => keys
            .keys
            .iter()
            .filter(usable)
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let mut candidates = keys.keys.iter().filter(usable);
            let only = candidates.next();
            candidates.next().is_none().then_some(only).flatten()
        }
    }
}

/// The claims of a valid ID token signed with `key`.
pub fn validate(
    token: &str,
    key: &Jwk,
    alg: Algorithm,
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, OidcError> {
    let bad = |m: String| OidcError::BadToken(m);
    let decoding = decoding_key(key)?;
    let mut v = Validation::new(alg);
    v.set_issuer(&[expected.issuer]);
    v.set_audience(&[expected.client_id]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    v.leeway = 60;
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &v)
        .map_err(|e| bad(e.to_string()))?
        .claims;
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(bad("its nonce is not this sign-in's".into()));
    }
    if let Some(azp) = claims.get("azp")
        && azp.as_str() != Some(expected.client_id)
    {
        return Err(bad(format!("it was issued to another client ({azp})")));
    }
    Ok(claims)
}

/// The verification key of a JWK; an Ed25519 key must be 32 bytes (checked here, since a shorter one
/// would fail deep inside the verifier).
fn decoding_key(key: &Jwk) -> Result<DecodingKey, OidcError> {
    let bad = |m: String| OidcError::BadToken(m);
    match &key.algorithm {
        AlgorithmParameters::OctetKey(_) => {
            return Err(bad("the provider's key is a shared secret".into()));
        }
        AlgorithmParameters::OctetKeyPair(p) => {
            let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.x.trim_end_matches('='))
                .map_err(|e| bad(format!("the provider's Ed25519 key: {e}")))?;
            if x.len() != 32 {
                return Err(bad("the provider's Ed25519 key is not 32 bytes".into()));
            }
        }
        _ => {}
    }
    DecodingKey::from_jwk(key).map_err(|e| bad(format!("the provider's key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    /// The Ed25519 key of RFC 8037 Appendix A.1.
    const D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn signing_key() -> EncodingKey {
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(D)
                .unwrap(),
        );
        EncodingKey::from_ed_der(&der)
    }

    fn keys() -> JwkSet {
        serde_json::from_value(json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": X, "kid": "k1", "use": "sig"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "enc", "use": "enc"}
        ]}))
        .unwrap()
    }

    fn token(claims: Value) -> String {
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some("k1".into());
        jsonwebtoken::encode(&h, &claims, &signing_key()).unwrap()
    }

    fn claims() -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({"iss": "https://id", "aud": "cairn", "sub": "42", "iat": now, "exp": now + 300,
            "nonce": "n1", "preferred_username": "alice"})
    }

    const EXPECTED: Expected<'static> = Expected {
        issuer: "https://id",
        client_id: "cairn",
        nonce: "n1",
    };

    fn check(t: &str) -> Result<Map<String, Value>, OidcError> {
        let (kid, alg) = header(t)?;
        let set = keys();
        let key =
            find_key(&set, kid.as_deref(), alg).ok_or(OidcError::BadToken("no key".into()))?;
        validate(t, key, alg, &EXPECTED)
    }

    fn with(change: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut c = claims();
        change(c.as_object_mut().unwrap());
        token(c)
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let c = check(&token(claims())).unwrap();
        assert_eq!(c["preferred_username"], "alice");
    }

    #[test]
    fn wrong_issuer_audience_nonce_party_or_time_is_refused() {
        let cases = [
            with(|c| drop(c.insert("iss".into(), json!("https://other")))),
            with(|c| drop(c.insert("aud".into(), json!("someone-else")))),
            with(|c| drop(c.insert("nonce".into(), json!("replayed")))),
            with(|c| drop(c.remove("nonce"))),
            with(|c| drop(c.insert("azp".into(), json!("other-client")))),
            with(|c| drop(c.insert("exp".into(), json!(1_000_000)))),
            with(|c| drop(c.remove("sub"))),
        ];
        for t in cases {
            assert!(check(&t).is_err(), "{t}");
        }
    }

    #[test]
    fn tampered_unsigned_or_shared_secret_tokens_are_refused() {
        let t = token(claims());
        let (head, rest) = t.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&json!({"iss": "https://id", "aud": "cairn", "sub": "1", "nonce": "n1", "exp": 9_999_999_999i64, "iat": 1})).unwrap());
        assert!(check(&format!("{head}.{forged}.{sig}")).is_err());
        let none_head = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"none","kid":"k1"}"#);
        assert!(check(&format!("{none_head}.{forged}.")).is_err());
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(X.as_bytes()),
        )
        .unwrap();
        assert!(matches!(check(&hs), Err(OidcError::BadToken(m)) if m.contains("HS256")));
    }

    #[test]
    fn keys_are_found_by_id_or_as_the_only_signing_key() {
        let set = keys();
        assert!(find_key(&set, Some("k1"), Algorithm::EdDSA).is_some());
        assert!(
            find_key(&set, Some("enc"), Algorithm::RS256).is_none(),
            "an encryption key"
        );
        assert!(find_key(&set, None, Algorithm::EdDSA).is_some());
        assert!(find_key(&set, Some("nope"), Algorithm::EdDSA).is_none());
    }

    #[test]
    fn a_short_ed25519_key_is_refused_without_a_panic() {
        let short: Jwk =
            serde_json::from_value(json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})).unwrap();
        let t = token(claims());
        assert!(validate(&t, &short, Algorithm::EdDSA, &EXPECTED).is_err());
    }
}
