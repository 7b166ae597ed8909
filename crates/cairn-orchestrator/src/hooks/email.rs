//! The email action: one message through an SMTP server. `smtp://` uses STARTTLS when the server
//! offers it (required unless the host is loopback), `smtps://` implicit TLS, `smtp+plain://` no TLS.
use super::actions::note;
use cairn_oplog::LogWriter;
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
) -> Result<(), String> {
    let u = Url::parse(smtp_url).map_err(|e| format!("{e} in the SMTP URL"))?;
    let host = u.host_str().ok_or("the SMTP URL has no host")?.to_string();
    let mut msg = Message::builder()
        .from(mailbox(from)?)
        .subject(subject.lines().next().unwrap_or_default());
    for t in to.iter().filter(|t| !t.trim().is_empty()) {
        msg = msg.to(mailbox(t)?);
    }
    let msg = msg
        .body(body.to_string())
        .map_err(|e| format!("cannot build the email: {e}"))?;
    let tls = |required: bool| -> Result<Tls, String> {
        let params =
            TlsParameters::new(host.clone()).map_err(|e| format!("TLS for {host}: {e}"))?;
        Ok(if required {
            Tls::Required(params)
        } else {
            Tls::Opportunistic(params)
        })
    };
    let (default_port, tls) = match u.scheme() {
        "smtps" => (
            465,
            Tls::Wrapper(TlsParameters::new(host.clone()).map_err(|e| e.to_string())?),
        ),
        "smtp" => (587, tls(!is_loopback(&host))?),
        "smtp+plain" => (25, Tls::None),
        other => {
            return Err(format!(
                "{other:?} is not an SMTP URL; use smtp://, smtps:// or smtp+plain://"
            ));
        }
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
        .port(u.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if !u.username().is_empty() {
        let user = urlencoding::decode(u.username())
            .map_err(|e| e.to_string())?
            .into_owned();
        let pass = urlencoding::decode(u.password().unwrap_or_default())
            .map_err(|e| e.to_string())?
            .into_owned();
        transport = transport.credentials(Credentials::new(user, pass));
    }
    transport
        .build()
        .send(msg)
        .await
        .map_err(|e| format!("sending the email through {host} failed: {e}"))?;
    note(
        log,
        &format!("[email] sent through {host} to {} recipient(s)", to.len()),
    );
    Ok(())
}

fn mailbox(addr: &str) -> Result<Mailbox, String> {
    addr.trim()
        .parse()
        .map_err(|e| format!("{addr:?} is not an email address: {e}"))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
