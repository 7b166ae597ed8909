//! Hook rules: each hook needs an action with its required settings and known conditions.
use super::Check;
use cairn_proto::quoted;
use cairn_proto::v1::__buffa::oneof::hook::Action;
use cairn_proto::v1::Hook;
use cairn_proto::v1::hook::Condition;

/// Checks `hooks` of the repo or plan at `owner`.
pub(super) fn check_all(k: &mut Check, owner: &str, hooks: &[Hook]) {
    for (i, hook) in hooks.iter().enumerate() {
        check(k, &format!("{owner}.hooks[{i}]"), hook);
    }
}

fn check(k: &mut Check, path: &str, hook: &Hook) {
    for (j, c) in hook.conditions.iter().enumerate() {
        if c.as_known()
            .is_none_or(|c| c == Condition::CONDITION_UNKNOWN)
        {
            k.warn(
                format!("{path}.conditions[{j}]"),
                "unknown condition, which never fires; pick one such as CONDITION_SNAPSHOT_END",
            );
        }
    }
    let Some(action) = &hook.action else {
        k.warn(path, "no action, so the hook fails each time it fires; set one of actionCommand, actionWebhook, actionDiscord, actionGotify, actionSlack, actionShoutrrr, actionHealthchecks, actionTelegram, actionNtfy, actionEmail");
        return;
    };
    let mut require = |field: &str, value: &str, what: &str| {
        if value.trim().is_empty() {
            k.warn(
                format!("{path}.{field}"),
                format!("{what} is needed; without it the hook fails each time it fires"),
            );
        }
    };
    match action {
        Action::ActionCommand(c) => require("actionCommand.command", &c.command, "a command"),
        Action::ActionWebhook(w) => require("actionWebhook.webhookUrl", &w.webhook_url, "a URL"),
        Action::ActionDiscord(d) => {
            require("actionDiscord.webhookUrl", &d.webhook_url, "a webhook URL")
        }
        Action::ActionSlack(s) => {
            require("actionSlack.webhookUrl", &s.webhook_url, "a webhook URL")
        }
        Action::ActionHealthchecks(h) => require(
            "actionHealthchecks.webhookUrl",
            &h.webhook_url,
            "a ping URL",
        ),
        Action::ActionShoutrrr(s) => require(
            "actionShoutrrr.shoutrrrUrl",
            &s.shoutrrr_url,
            "a shoutrrr URL",
        ),
        Action::ActionGotify(g) => {
            require("actionGotify.baseUrl", &g.base_url, "a server URL");
            require("actionGotify.token", &g.token, "an app token");
        }
        Action::ActionTelegram(t) => {
            require("actionTelegram.botToken", &t.bot_token, "a bot token");
            require("actionTelegram.chatId", &t.chat_id, "a chat id");
        }
        Action::ActionNtfy(n) => require("actionNtfy.url", &n.url, "a topic URL"),
        Action::ActionEmail(e) => {
            require("actionEmail.smtpUrl", &e.smtp_url, "an SMTP server URL");
            require("actionEmail.from", &e.from, "a sender address");
            if e.to.iter().all(|t| t.trim().is_empty()) {
                k.warn(
                    format!("{path}.actionEmail.to"),
                    "at least one recipient is needed; without one the hook fails each time it fires",
                );
            }
        }
    }
    let url = match action {
        Action::ActionWebhook(w) => Some(("actionWebhook.webhookUrl", &w.webhook_url)),
        Action::ActionDiscord(d) => Some(("actionDiscord.webhookUrl", &d.webhook_url)),
        Action::ActionSlack(s) => Some(("actionSlack.webhookUrl", &s.webhook_url)),
        Action::ActionHealthchecks(h) => Some(("actionHealthchecks.webhookUrl", &h.webhook_url)),
        Action::ActionGotify(g) => Some(("actionGotify.baseUrl", &g.base_url)),
        Action::ActionNtfy(n) => Some(("actionNtfy.url", &n.url)),
        _ => None,
    };
    if let Some((field, u)) = url.filter(|(_, u)| !u.is_empty())
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        k.warn(
            format!("{path}.{field}"),
            format!(
                "{u} should start with http:// or https://; the hook fails each time it fires",
                u = quoted(&u)
            ),
        );
    }
    for (field, src) in templates(action) {
        if let Err(e) = crate::template::check(src) {
            k.err(
                format!("{path}.{field}"),
                format!("the template cannot be used: {e}"),
            );
        }
    }
}

/// Every template field of an action, with its JSON path below the hook.
fn templates(action: &Action) -> Vec<(&'static str, &str)> {
    match action {
        Action::ActionCommand(c) => vec![("actionCommand.command", &c.command)],
        Action::ActionWebhook(w) => vec![("actionWebhook.template", &w.template)],
        Action::ActionDiscord(d) => vec![("actionDiscord.template", &d.template)],
        Action::ActionGotify(g) => vec![
            ("actionGotify.template", &g.template),
            ("actionGotify.titleTemplate", &g.title_template),
        ],
        Action::ActionSlack(s) => vec![("actionSlack.template", &s.template)],
        Action::ActionShoutrrr(s) => vec![("actionShoutrrr.template", &s.template)],
        Action::ActionHealthchecks(h) => vec![("actionHealthchecks.template", &h.template)],
        Action::ActionTelegram(t) => vec![("actionTelegram.template", &t.template)],
        Action::ActionNtfy(n) => vec![
            ("actionNtfy.template", &n.template),
            ("actionNtfy.titleTemplate", &n.title_template),
        ],
        Action::ActionEmail(e) => vec![
            ("actionEmail.template", &e.template),
            ("actionEmail.subjectTemplate", &e.subject_template),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_proto::v1::hook::Command as ActionCommand;

    fn errors(command: &str) -> Vec<String> {
        let hook = Hook {
            conditions: vec![Condition::CONDITION_SNAPSHOT_START.into()],
            action: Some(Action::ActionCommand(Box::new(ActionCommand {
                command: command.into(),
                ..Default::default()
            }))),
            ..Default::default()
        };
        let mut k = Check::default();
        check_all(&mut k, "plans[0]", &[hook]);
        k.errors
            .iter()
            .map(|f| format!("{}: {}", f.path, f.message))
            .collect()
    }

    /// Each of these used to be accepted and then abort the server or panic when the hook fired.
    #[test]
    fn templates_known_to_go_past_a_bound_are_refused() {
        for bad in [
            r#"{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}"#,
            r#"echo {{ printf "%70000d" 1 }}"#,
        ] {
            let e = errors(bad);
            assert_eq!(e.len(), 1, "{bad}: {e:?}");
            assert!(
                e[0].starts_with(
                    "plans[0].hooks[0].actionCommand.command: the template cannot be used"
                ),
                "{e:?}"
            );
        }
        assert_eq!(
            errors("echo {{ .Plan.Id }} {{ .Nope.X }}"),
            Vec::<String>::new()
        );
    }
}
