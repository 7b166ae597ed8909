//! Delivering one hook: renders its templates and hands the result to the action.
use super::error::HookError;
use super::vars::HookVars;
use super::{command, http, shoutrrr};
use cairn_config::template::Escaping;
use cairn_config::template::json::is_json_template;
use cairn_oplog::LogWriter;
use cairn_proto::v1::__buffa::oneof::hook::Action;
use cairn_proto::v1::Hook;
use cairn_proto::v1::hook::webhook::Method;
use parking_lot::Mutex;
use serde_json::json;
use std::io::Write;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const SUMMARY: &str = "{{ .Summary }}";
/// The title gotify and ntfy messages get when the hook sets none.
const DEFAULT_TITLE: &str = "cairn {{ .EventName .Event }} in plan {{ .Plan.Id }}";

/// Where telegram's Bot API lives (`CAIRN_TELEGRAM_API` overrides it, for tests and proxies).
pub fn telegram_api() -> String {
    std::env::var("CAIRN_TELEGRAM_API").unwrap_or_else(|_| "https://api.telegram.org".into())
}

/// Appends a line to the hook's log.
pub fn note(log: &Mutex<LogWriter>, line: &str) {
    let mut w = log.lock();
    let _ = writeln!(w, "{line}");
}

pub async fn deliver(
    hook: &Hook,
    vars: &HookVars,
    log: &Mutex<LogWriter>,
    cancel: &CancellationToken,
    timeout: Duration,
) -> Result<(), HookError> {
    let Some(action) = &hook.action else {
        return Err(HookError::NoAction);
    };
    match action {
        Action::ActionCommand(c) => {
            let escaping = if command::is_shell(&c.command) {
                Escaping::Shell
            } else {
                Escaping::Plain
            };
            let script = vars.render_as(&c.command, "", escaping).await?;
            command::run(&script, log, cancel, timeout).await
        }
        Action::ActionWebhook(w) => {
            let body = vars
                .render_as(&w.template, SUMMARY, json_or_plain(&w.template))
                .await?
                .text;
            match w.method.as_known() {
                Some(Method::GET) => http::get(&w.webhook_url, log).await,
                _ => http::post_text(&w.webhook_url, &body, log).await,
            }
        }
        Action::ActionDiscord(d) => {
            let text = vars.render(&d.template, SUMMARY).await?;
            http::post_json(&d.webhook_url, &json!({ "content": text }), log).await
        }
        Action::ActionSlack(s) => {
            let text = vars
                .render_as(&s.template, SUMMARY, json_or_plain(&s.template))
                .await?
                .text;
            http::post_json(&s.webhook_url, &slack_payload(&text), log).await
        }
        Action::ActionGotify(g) => {
            let message = vars.render(&g.template, SUMMARY).await?;
            let title = vars.render(&g.title_template, DEFAULT_TITLE).await?;
            let url = format!(
                "{}/message?token={}",
                g.base_url.trim_end_matches('/'),
                urlencoding::encode(&g.token)
            );
            let priority = if g.priority == 0 { 5 } else { g.priority };
            let body = json!({ "message": message, "title": title, "priority": priority });
            http::post_json(&url, &body, log).await
        }
        Action::ActionShoutrrr(s) => {
            let text = vars.render(&s.template, SUMMARY).await?;
            shoutrrr::send(&s.shoutrrr_url, &text, log).await
        }
        Action::ActionHealthchecks(h) => {
            let text = vars.render(&h.template, SUMMARY).await?;
            let url = format!(
                "{}{}",
                h.webhook_url.trim_end_matches('/'),
                healthchecks_suffix(&vars.condition)
            );
            http::post_text(&url, &text, log).await
        }
        Action::ActionTelegram(t) => {
            let text = vars.render(&t.template, SUMMARY).await?;
            telegram(&t.bot_token, &t.chat_id, &text, log).await
        }
        Action::ActionNtfy(n) => {
            let text = vars.render(&n.template, SUMMARY).await?;
            let title = vars.render(&n.title_template, DEFAULT_TITLE).await?;
            http::ntfy(&n.url, &n.token, &title, n.priority, &text, log).await
        }
        Action::ActionEmail(e) => {
            let body = vars.render(&e.template, SUMMARY).await?;
            let subject = vars
                .render(
                    &e.subject_template,
                    "cairn: {{ .EventName .Event }} in plan {{ .Plan.Id }}",
                )
                .await?;
            super::email::send(&e.smtp_url, &e.from, &e.to, &subject, &body, log).await
        }
    }
}

/// A template that is a JSON document has its values JSON-escaped; any other is plain text.
fn json_or_plain(template: &str) -> Escaping {
    if is_json_template(template) {
        Escaping::Json
    } else {
        Escaping::Plain
    }
}

/// Slack: a rendered template that is JSON is sent as it is (Block Kit); text is wrapped.
fn slack_payload(text: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) if v.is_object() => v,
        _ => json!({ "text": format!("cairn notification\n{text}") }),
    }
}

/// Which healthchecks endpoint an event pings.
fn healthchecks_suffix(condition: &str) -> &'static str {
    if condition.ends_with("_START") {
        "/start"
    } else if condition.ends_with("_ERROR") || condition == "CONDITION_UNKNOWN" {
        "/fail"
    } else if condition == "CONDITION_SNAPSHOT_END" {
        "/log"
    } else {
        ""
    }
}

/// A message through telegram's Bot API.
pub async fn telegram(
    token: &str,
    chat: &str,
    text: &str,
    log: &Mutex<LogWriter>,
) -> Result<(), HookError> {
    let url = format!("{}/bot{token}/sendMessage", telegram_api());
    let body = json!({ "chat_id": chat, "text": text, "parse_mode": "HTML" });
    http::post_json(&url, &body, log).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthchecks_endpoints_follow_the_event() {
        assert_eq!(healthchecks_suffix("CONDITION_SNAPSHOT_START"), "/start");
        assert_eq!(healthchecks_suffix("CONDITION_PRUNE_ERROR"), "/fail");
        assert_eq!(healthchecks_suffix("CONDITION_ANY_ERROR"), "/fail");
        assert_eq!(healthchecks_suffix("CONDITION_SNAPSHOT_END"), "/log");
        assert_eq!(healthchecks_suffix("CONDITION_SNAPSHOT_SUCCESS"), "");
    }

    #[test]
    fn slack_sends_json_as_is_and_wraps_text() {
        assert_eq!(slack_payload(r#"{"blocks":[]}"#), json!({"blocks": []}));
        assert_eq!(slack_payload("hi")["text"], "cairn notification\nhi");
    }
}
