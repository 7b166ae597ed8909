//! The email action: one message through an SMTP server. `smtp://` uses STARTTLS when the server
//! offers it (required unless the host is loopback), `smtps://` implicit TLS, `smtp+plain://` no TLS.
use super::actions::note;
use super::error::HookError;
use cairn_oplog::LogWriter;
use cairn_proto::quoted;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use parking_lot::Mutex;
use reqwest::Url;
use std::time::Duration;

pub async fn send(
    smtp_url: &str,
    from: &str,
    to: &[String],
    subject: &str,
    body: &str,
    log: &Mutex<LogWriter>,
) -> Result<(), HookError> {
    let u = Url::parse(smtp_url).map_err(|source| HookError::Url {
        what: "SMTP URL",
        source,
    })?;
    let host = u
        .host_str()
        .ok_or_else(|| HookError::Setting("the SMTP URL has no host".into()))?
        .to_string();
    let mut msg = Message::builder()
        .from(mailbox(from)?)
        .subject(subject.lines().next().unwrap_or_default());
    for t in to.iter().filter(|t| !t.trim().is_empty()) {
        msg = msg.to(mailbox(t)?);
    }
    let msg = msg
        .body(body.to_string())
        .map_err(|e| HookError::Email(format!("cannot build the email: {e}")))?;
    let tls_for = |host: &str| {
        TlsParameters::new(host.to_string())
            .map_err(|e| HookError::Email(format!("TLS for {host}: {e}")))
    };
    let tls = |required: bool| -> Result<Tls, HookError> {
        let params = tls_for(&host)?;
        Ok(if required {
            Tls::Required(params)
        } else {
            Tls::Opportunistic(params)
        })
    };
    let (default_port, tls) = match u.scheme() {
        "smtps" => (465, Tls::Wrapper(tls_for(&host)?)),
        "smtp" => (587, tls(!is_loopback(&host))?),
        "smtp+plain" => (25, Tls::None),
        other => {
            return Err(HookError::Setting(format!(
                "{} is not an SMTP URL; use smtp://, smtps:// or smtp+plain://",
                quoted(other)
            )));
        }
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
        .port(u.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if !u.username().is_empty() {
        let decode = |part: &str, what: &str| {
            urlencoding::decode(part)
                .map(|p| p.into_owned())
                .map_err(|e| HookError::Setting(format!("the SMTP URL's {what}: {e}")))
        };
        let user = decode(u.username(), "user name")?;
        let pass = decode(u.password().unwrap_or_default(), "password")?;
        transport = transport.credentials(Credentials::new(user, pass));
    }
    transport
        .build()
        .send(msg)
        .await
        .map_err(|e| HookError::Email(format!("sending the email through {host} failed: {e}")))?;
    note(
        log,
        &format!("[email] sent through {host} to {} recipient(s)", to.len()),
    );
    Ok(())
}

fn mailbox(addr: &str) -> Result<Mailbox, HookError> {
    addr.trim()
        .parse()
        .map_err(|e| HookError::Setting(format!("{} is not an email address: {e}", quoted(addr))))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
