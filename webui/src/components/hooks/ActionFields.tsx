// The fields of a hook's action, one group per kind of action: the command to run, or where a
// notification goes and the templates of its message.
import { Hook_Webhook_Method, type Hook } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { Trans, i18n, useTranslation } from "../../i18n";
import { linesError } from "../../lib/formErrors";
import { Field, LinesInput } from "../Field";
import { NumberInput, secretHint } from "../FormKit";
import type { Action, ActionCase } from "./actions";
import { NoTranslate, TemplateInput, TextInput } from "./HookInputs";
import { CodeList, TEMPLATE_VALUES } from "./TemplateHelp";

type ValueOf<C extends ActionCase> = Extract<Action, { case: C }>["value"];

/** What a group of fields gets: the action's value, the error of each of its fields, and an edit. */
interface Group<V> {
  value: V;
  err: (field: string) => string | undefined;
  set: (p: Partial<V>) => void;
}

type WebhookUrlCase = "actionHealthchecks" | "actionDiscord" | "actionSlack";

/** The hint of the webhook URL of Discord, Slack and Healthchecks, in the language shown. */
function webhookUrlHint(c: WebhookUrlCase): string {
  switch (c) {
    case "actionHealthchecks":
      return i18n.t("plans:hooks.fields.healthchecksUrlHint", {
        example: "https://hc-ping.com/<uuid>",
        start: "/start",
        fail: "/fail",
        log: "/log",
      });
    case "actionDiscord":
      return i18n.t("plans:hooks.fields.discordUrlHint");
    case "actionSlack":
      return i18n.t("plans:hooks.fields.slackUrlHint", { example: "https://hooks.slack.com/services/...", blockKit: "Block Kit" });
  }
}

export function ActionFields(props: { hook: Hook; errors: FieldErrors; onChange: (a: Action) => void }) {
  const { errors, onChange } = props;
  const { t } = useTranslation("plans");
  const a = props.hook.action;
  const group = <C extends ActionCase>(x: { case: C; value: ValueOf<C> }): Group<ValueOf<C>> => ({
    value: x.value,
    err: (field) => errors[`${x.case}.${field}`],
    set: (p) => onChange({ case: x.case, value: { ...x.value, ...p } } as Action),
  });
  switch (a.case) {
    case undefined:
      return <p className="field-hint">{t("hooks.fields.chooseAction")}</p>;
    case "actionCommand":
      return <CommandFields {...group(a)} />;
    case "actionWebhook":
      return <WebhookFields {...group(a)} />;
    case "actionDiscord":
    case "actionSlack":
    case "actionHealthchecks":
      return <WebhookUrlFields {...group(a)} urlHint={webhookUrlHint(a.case)} />;
    case "actionGotify":
      return <GotifyFields {...group(a)} />;
    case "actionShoutrrr":
      return <ShoutrrrFields {...group(a)} />;
    case "actionTelegram":
      return <TelegramFields {...group(a)} />;
    case "actionNtfy":
      return <NtfyFields {...group(a)} />;
    case "actionEmail":
      return <EmailFields {...group(a)} toError={linesError(errors, "actionEmail.to")} />;
  }
}

/** The message template every notification has. */
function MessageTemplate(props: Group<{ template: string }> & { hint?: string; rows?: number }) {
  const { t } = useTranslation("plans");
  return (
    <Field
      label={t("hooks.fields.messageTemplate")}
      error={props.err("template")}
      hint={props.hint ?? t("hooks.fields.templateHint", { summary: TEMPLATE_VALUES.summary })}
    >
      <TemplateInput value={props.value.template} onChange={(template) => props.set({ template })} rows={props.rows} />
    </Field>
  );
}

/** A one-line template: a notification's title or an email's subject. */
function TitleTemplate(props: { label: string; value: string; error?: string; onChange: (v: string) => void }) {
  const { t } = useTranslation("plans");
  return (
    <Field label={props.label} error={props.error}>
      <TextInput value={props.value} onChange={props.onChange} placeholder={t("hooks.fields.titlePlaceholder", TEMPLATE_VALUES)} />
    </Field>
  );
}

const COMMAND_HINT_VALUES = { sh: "sh", shebang: "#!/bin/bash", example: "echo {{ .ShellEscape .Summary }}" };

function CommandFields({ value: v, err, set }: Group<ValueOf<"actionCommand">>) {
  const { t } = useTranslation("plans");
  return (
    <Field
      label={t("hooks.fields.command")}
      error={err("command")}
      hint={<Trans t={t} i18nKey="hooks.fields.commandHint" values={COMMAND_HINT_VALUES} components={{ code: <code /> }} />}
    >
      <textarea
        rows={4}
        value={v.command}
        translate="no"
        spellCheck={false}
        placeholder={'curl -fsS -m 10 https://example.com/ping\necho "{{ .Event }} for {{ .Plan.Id }}"'}
        onChange={(e) => set({ command: e.target.value })}
      />
    </Field>
  );
}

function WebhookFields(props: Group<ValueOf<"actionWebhook">>) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  return (
    <>
      <Field label={t("hooks.fields.webhookUrl")} error={err("webhookUrl")} hint={secretHint(v.webhookUrl)}>
        <TextInput value={v.webhookUrl} onChange={(webhookUrl) => set({ webhookUrl })} placeholder="https://example.com/hook" />
      </Field>
      <Field label={t("hooks.fields.method")} error={err("method")} hint={t("hooks.fields.methodHint", { get: "GET", post: "POST" })}>
        <select
          value={v.method === Hook_Webhook_Method.GET ? Hook_Webhook_Method.GET : Hook_Webhook_Method.POST}
          onChange={(e) => set({ method: Number(e.target.value) as Hook_Webhook_Method })}
        >
          <option value={Hook_Webhook_Method.POST} translate="no">
            POST
          </option>
          <option value={Hook_Webhook_Method.GET} translate="no">
            GET
          </option>
        </select>
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

/** Discord, Slack and Healthchecks: a webhook URL and a message. */
function WebhookUrlFields(props: Group<{ webhookUrl: string; template: string }> & { urlHint: string }) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  return (
    <>
      <Field label={t("hooks.fields.webhookUrl")} error={err("webhookUrl")} hint={secretHint(v.webhookUrl, props.urlHint)}>
        <TextInput value={v.webhookUrl} onChange={(webhookUrl) => set({ webhookUrl })} placeholder="https://" />
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

function GotifyFields(props: Group<ValueOf<"actionGotify">>) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  return (
    <>
      <div className="grid-2">
        <Field
          label={t("hooks.fields.serverUrl")}
          error={err("baseUrl")}
          hint={t("hooks.fields.gotifyServerHint", { example: "https://gotify.example.com" })}
        >
          <TextInput value={v.baseUrl} onChange={(baseUrl) => set({ baseUrl })} placeholder="https://" />
        </Field>
        <Field label={t("hooks.fields.appToken")} error={err("token")} hint={secretHint(v.token, t("hooks.fields.appTokenHint"))}>
          <TextInput value={v.token} onChange={(token) => set({ token })} />
        </Field>
      </div>
      <TitleTemplate
        label={t("hooks.fields.titleTemplate")}
        value={v.titleTemplate}
        error={err("titleTemplate")}
        onChange={(titleTemplate) => set({ titleTemplate })}
      />
      <MessageTemplate {...props} />
      <Field label={t("hooks.fields.priority")} error={err("priority")} hint={t("hooks.fields.gotifyPriorityHint")}>
        <NumberInput value={v.priority} min={0} max={10} onChange={(n) => set({ priority: Math.trunc(n) })} />
      </Field>
    </>
  );
}

const SHOUTRRR_SCHEMES = ["discord://", "slack://", "telegram://", "gotify://", "ntfy://", "generic://", "generic+http://", "smtp://"];

function ShoutrrrFields(props: Group<ValueOf<"actionShoutrrr">>) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  const supported = <Trans t={t} i18nKey="hooks.fields.shoutrrrHint" components={{ schemes: <CodeList items={SHOUTRRR_SCHEMES} /> }} />;
  return (
    <>
      <Field label={t("hooks.fields.shoutrrrUrl")} error={err("shoutrrrUrl")} hint={secretHint(v.shoutrrrUrl, supported)}>
        <TextInput value={v.shoutrrrUrl} onChange={(shoutrrrUrl) => set({ shoutrrrUrl })} placeholder="ntfy://ntfy.sh/my-topic" />
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

function TelegramFields(props: Group<ValueOf<"actionTelegram">>) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  return (
    <>
      <div className="grid-2">
        <Field
          label={t("hooks.fields.botToken")}
          error={err("botToken")}
          hint={secretHint(v.botToken, t("hooks.fields.botTokenHint", { bot: "@BotFather" }))}
        >
          <TextInput value={v.botToken} onChange={(botToken) => set({ botToken })} placeholder="123456:ABC-DEF..." />
        </Field>
        <Field label={t("hooks.fields.chatId")} error={err("chatId")} hint={t("hooks.fields.chatIdHint")}>
          <TextInput value={v.chatId} onChange={(chatId) => set({ chatId })} placeholder="-1001234567890" />
        </Field>
      </div>
      <MessageTemplate {...props} hint={t("hooks.fields.telegramTemplateHint", { summary: TEMPLATE_VALUES.summary })} />
    </>
  );
}

const NTFY_PRIORITIES = ["serverDefault", "min", "low", "default", "high", "max"] as const;

function NtfyFields(props: Group<ValueOf<"actionNtfy">>) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  return (
    <>
      <div className="grid-2">
        <Field label={t("hooks.fields.topicUrl")} error={err("url")} hint={secretHint(v.url, t("hooks.fields.topicUrlHint"))}>
          <TextInput value={v.url} onChange={(url) => set({ url })} placeholder="https://ntfy.sh/my-backups" />
        </Field>
        <Field label={t("hooks.fields.accessToken")} error={err("token")} hint={secretHint(v.token, t("hooks.fields.accessTokenHint"))}>
          <TextInput value={v.token} onChange={(token) => set({ token })} />
        </Field>
      </div>
      <TitleTemplate
        label={t("hooks.fields.titleTemplate")}
        value={v.titleTemplate}
        error={err("titleTemplate")}
        onChange={(titleTemplate) => set({ titleTemplate })}
      />
      <MessageTemplate {...props} />
      <Field label={t("hooks.fields.priority")} error={err("priority")}>
        <select value={v.priority} onChange={(e) => set({ priority: Number(e.target.value) })}>
          {NTFY_PRIORITIES.map((p, i) => (
            <option key={p} value={i}>
              {t(`hooks.fields.ntfyPriorities.${p}`)}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}

const SMTP_EXAMPLES = { starttls: "smtp://user:password@host:587", tls: "smtps://...:465", plain: "smtp+plain://localhost:25" };

function EmailFields(props: Group<ValueOf<"actionEmail">> & { toError?: string }) {
  const { value: v, err, set } = props;
  const { t } = useTranslation("plans");
  const schemes = <Trans t={t} i18nKey="hooks.fields.smtpUrlHint" values={SMTP_EXAMPLES} components={{ code: <code /> }} />;
  return (
    <>
      <Field label={t("hooks.fields.smtpUrl")} error={err("smtpUrl")} hint={secretHint(v.smtpUrl, schemes)}>
        <TextInput value={v.smtpUrl} onChange={(smtpUrl) => set({ smtpUrl })} placeholder="smtp://user:password@mail.example.com:587" />
      </Field>
      <div className="grid-2">
        <Field label={t("hooks.fields.from")} error={err("from")}>
          <TextInput value={v.from} onChange={(from) => set({ from })} placeholder="cairn@example.com" type="email" />
        </Field>
        <Field label={t("hooks.fields.to")} error={props.toError} hint={t("hooks.fields.toHint")}>
          <NoTranslate>
            <LinesInput value={v.to} onChange={(to) => set({ to })} placeholder="me@example.com" rows={2} />
          </NoTranslate>
        </Field>
      </div>
      <TitleTemplate
        label={t("hooks.fields.subjectTemplate")}
        value={v.subjectTemplate}
        error={err("subjectTemplate")}
        onChange={(subjectTemplate) => set({ subjectTemplate })}
      />
      <MessageTemplate {...props} rows={4} />
    </>
  );
}
