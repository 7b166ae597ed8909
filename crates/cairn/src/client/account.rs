//! `cairn setup USER`, `cairn login USER [--code CODE]` (each prints a session token; the password
//! comes from CAIRN_PASSWORD or the first line of stdin, a two-factor code from --code or
//! CAIRN_TOTP_CODE) and `cairn token create|revoke` for API tokens.
use super::{Connection, Exit};
use cairn_proto::cairn::v1::{CreateApiTokenRequest, RevokeApiTokenRequest, SetupRequest};
use cairn_proto::v1::LoginRequest;

fn password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CAIRN_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(
        !p.is_empty(),
        "no password: set CAIRN_PASSWORD or pass it on stdin"
    );
    Ok(p)
}

pub async fn setup(conn: &Connection, user: &str) -> anyhow::Result<Exit> {
    let r = conn
        .cairn()?
        .setup(SetupRequest {
            username: user.into(),
            password: password()?,
            ..SetupRequest::default()
        })
        .await?
        .into_owned();
    println!("{}", r.token);
    Ok(Exit::Ok)
}

pub async fn login(conn: &Connection, user: &str, code: Option<&str>) -> anyhow::Result<Exit> {
    let r = conn
        .auth()?
        .login(LoginRequest {
            username: user.into(),
            password: password()?,
            totp_code: code.unwrap_or_default().into(),
            ..LoginRequest::default()
        })
        .await?
        .into_owned();
    println!("{}", r.token);
    Ok(Exit::Ok)
}

pub async fn create_token(conn: &Connection, label: &str, ttl_days: i64) -> anyhow::Result<Exit> {
    let r = conn
        .cairn()?
        .create_api_token(CreateApiTokenRequest {
            label: label.into(),
            ttl_days,
            ..CreateApiTokenRequest::default()
        })
        .await?
        .into_owned();
    eprintln!(
        "API token {} created; it is shown only now:",
        r.info
            .as_option()
            .map(|i| i.id.as_str())
            .unwrap_or_default()
    );
    println!("{}", r.token);
    Ok(Exit::Ok)
}

pub async fn revoke_token(conn: &Connection, id: &str) -> anyhow::Result<Exit> {
    conn.cairn()?
        .revoke_api_token(RevokeApiTokenRequest {
            id: id.into(),
            ..RevokeApiTokenRequest::default()
        })
        .await?;
    println!("API token {id} revoked");
    Ok(Exit::Ok)
}
