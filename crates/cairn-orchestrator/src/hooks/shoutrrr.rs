//! shoutrrr URLs (what Backrest's shoutrrr action takes) for the common services, delivered by cairn
//! itself: `discord://token@id`, `slack://[botname@]tokenA/tokenB/tokenC`, `telegram://token@telegram?chats=a,b`,
//! `gotify://host[:port][/path]/token`, `ntfy://[user:pass@]host/topic`, `generic://host/path` (and
//! `generic+http://`), `smtp://user:pass@host:port/?from=...&to=a,b`. Query `disabletls=yes` (gotify)
//! and `scheme=http` (ntfy) select plain HTTP, as shoutrrr does.
use super::actions::telegram;
use super::error::HookError;
use super::{email, http};
use cairn_oplog::LogWriter;
use parking_lot::Mutex;
use reqwest::Url;
use serde_json::json;

/// Where a shoutrrr URL sends.
#[derive(Debug, PartialEq)]
pub enum Target {
    Json {
        url: String,
        body: serde_json::Value,
    },
    Text {
        url: String,
    },
    Telegram {
        token: String,
        chats: Vec<String>,
    },
    Ntfy {
        url: String,
        token: String,
    },
    Email {
        smtp_url: String,
        from: String,
        to: Vec<String>,
        subject: String,
    },
}

pub async fn send(shoutrrr_url: &str, text: &str, log: &Mutex<LogWriter>) -> Result<(), HookError> {
    match target(shoutrrr_url, text)? {
        Target::Json { url, body } => http::post_json(&url, &body, log).await,
        Target::Text { url } => http::post_text(&url, text, log).await,
        Target::Telegram { token, chats } => {
            for chat in chats {
                telegram(&token, &chat, text, log).await?;
            }
            Ok(())
        }
        Target::Ntfy { url, token } => http::ntfy(&url, &token, "cairn", 0, text, log).await,
        Target::Email {
            smtp_url,
            from,
            to,
            subject,
        } => email::send(&smtp_url, &from, &to, &subject, text, log).await,
    }
}

/// Maps a shoutrrr URL to a delivery.
pub fn target(shoutrrr_url: &str, text: &str) -> Result<Target, HookError> {
    let u = Url::parse(shoutrrr_url).map_err(|source| HookError::Url {
        what: "shoutrrr URL",
        source,
    })?;
    let host = u.host_str().unwrap_or_default();
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    let query = |k: &str| {
        u.query_pairs()
            .find(|(q, _)| q == k)
            .map(|(_, v)| v.into_owned())
    };
    let segments: Vec<&str> = u.path().split('/').filter(|s| !s.is_empty()).collect();
    match u.scheme() {
        "discord" => Ok(Target::Json {
            url: format!("https://discord.com/api/webhooks/{host}/{}", u.username()),
            body: json!({ "content": text }),
        }),
        "slack" => {
            let mut tokens: Vec<&str> = vec![host];
            tokens.extend(&segments);
            if tokens.len() != 3 {
                return Err(HookError::Setting(
                    "a slack URL needs three tokens: slack://tokenA/tokenB/tokenC".into(),
                ));
            }
            Ok(Target::Json {
                url: format!("https://hooks.slack.com/services/{}", tokens.join("/")),
                body: json!({ "text": text }),
            })
        }
        "telegram" => {
            let token = format!("{}:{}", u.username(), u.password().unwrap_or_default());
            let chats: Vec<String> = query("chats")
                .or_else(|| query("channels"))
                .unwrap_or_default()
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            if chats.is_empty() {
                return Err(HookError::Setting(
                    "a telegram URL needs ?chats=<chat id>".into(),
                ));
            }
            Ok(Target::Telegram { token, chats })
        }
        "gotify" => {
            let (token, path) = segments.split_last().ok_or_else(|| {
                HookError::Setting("a gotify URL needs a token: gotify://host/token".into())
            })?;
            let scheme = if query("disabletls").as_deref() == Some("yes") {
                "http"
            } else {
                "https"
            };
            let prefix: String = path.iter().map(|p| format!("/{p}")).collect();
            Ok(Target::Json {
                url: format!("{scheme}://{host}{port}{prefix}/message?token={token}"),
                body: json!({ "message": text, "title": "cairn", "priority": 5 }),
            })
        }
        "ntfy" => {
            let scheme = query("scheme").unwrap_or_else(|| "https".into());
            let token = u.password().map(str::to_string).unwrap_or_default();
            Ok(Target::Ntfy {
                url: format!("{scheme}://{host}{port}{}", u.path()),
                token,
            })
        }
        "generic" | "generic+https" | "generic+http" => {
            let scheme = if u.scheme() == "generic+http" {
                "http"
            } else {
                "https"
            };
            let q = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            Ok(Target::Text {
                url: format!("{scheme}://{host}{port}{}{q}", u.path()),
            })
        }
        "smtp" => {
            let from = query("from")
                .ok_or_else(|| HookError::Setting("an smtp URL needs ?from=<address>".into()))?;
            let to: Vec<String> = query("to")
                .unwrap_or_default()
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            let plain = matches!(query("encryption").as_deref(), Some("none"));
            let scheme = if plain { "smtp+plain" } else { "smtp" };
            let auth = if u.username().is_empty() {
                String::new()
            } else {
                format!("{}:{}@", u.username(), u.password().unwrap_or_default())
            };
            Ok(Target::Email {
                smtp_url: format!("{scheme}://{auth}{host}{port}"),
                from,
                to,
                subject: query("subject").unwrap_or_else(|| "cairn notification".into()),
            })
        }
        other => Err(HookError::unsupported_service(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_services_map_to_their_endpoints() {
        let url = |s: &str| match target(s, "hi").unwrap() {
            Target::Json { url, .. } | Target::Text { url } | Target::Ntfy { url, .. } => url,
            other => format!("{other:?}"),
        };
        assert_eq!(
            url("discord://tok@123"),
            "https://discord.com/api/webhooks/123/tok"
        );
        assert_eq!(
            url("slack://a/b/c"),
            "https://hooks.slack.com/services/a/b/c"
        );
        assert_eq!(
            url("gotify://g.example:8080/sub/TOKEN?disabletls=yes"),
            "http://g.example:8080/sub/message?token=TOKEN"
        );
        assert_eq!(url("ntfy://ntfy.sh/backups"), "https://ntfy.sh/backups");
        assert_eq!(
            url("generic+http://127.0.0.1:9/hook?x=1"),
            "http://127.0.0.1:9/hook?x=1"
        );
        assert_eq!(
            target("telegram://123:abc@telegram?chats=42,@chan", "hi").unwrap(),
            Target::Telegram {
                token: "123:abc".into(),
                chats: vec!["42".into(), "@chan".into()]
            }
        );
        match target(
            "smtp://u:p@mail.example:587/?from=a@x&to=b@y,c@z&encryption=none",
            "hi",
        )
        .unwrap()
        {
            Target::Email {
                smtp_url, from, to, ..
            } => {
                assert_eq!(smtp_url, "smtp+plain://u:p@mail.example:587");
                assert_eq!(from, "a@x");
                assert_eq!(to, vec!["b@y", "c@z"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            target("pushover://x", "hi")
                .unwrap_err()
                .to_string()
                .contains("not supported")
        );
        assert!(target("slack://a/b", "hi").is_err());
    }
}
