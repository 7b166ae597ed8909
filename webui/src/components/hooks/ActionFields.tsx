// The fields of a hook's action, one group per kind of action: the command to run, or where a
// notification goes and the templates of its message.
import { Hook_Webhook_Method, type Hook } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { linesError } from "../../lib/formErrors";
import { Field, LinesInput } from "../Field";
import { NumberInput, secretHint } from "../FormKit";
import type { Action, ActionCase } from "./actions";
import { TemplateInput, TextInput } from "./HookInputs";

type ValueOf<C extends ActionCase> = Extract<Action, { case: C }>["value"];

/** What a group of fields gets: the action's value, the error of each of its fields, and an edit. */
interface Group<V> {
  value: V;
  err: (field: string) => string | undefined;
  set: (p: Partial<V>) => void;
}

const TEMPLATE_HINT = "Empty sends {{ .Summary }}; the template variables are listed below the hooks.";

const WEBHOOK_URL_HINT = {
  actionHealthchecks: "The check's ping URL, e.g. https://hc-ping.com/<uuid>; start, failure and log events go to /start, /fail and /log.",
  actionDiscord: "Channel settings → Integrations → Webhooks → Copy webhook URL.",
  actionSlack:
    "An incoming-webhook URL (https://hooks.slack.com/services/...). A template that renders to a JSON object is sent as is (Block Kit).",
};

export function ActionFields(props: { hook: Hook; errors: FieldErrors; onChange: (a: Action) => void }) {
  const { errors, onChange } = props;
  const a = props.hook.action;
  const group = <C extends ActionCase>(x: { case: C; value: ValueOf<C> }): Group<ValueOf<C>> => ({
    value: x.value,
    err: (field) => errors[`${x.case}.${field}`],
    set: (p) => onChange({ case: x.case, value: { ...x.value, ...p } } as Action),
  });
  switch (a.case) {
    case undefined:
      return <p className="field-hint">Choose what the hook does.</p>;
    case "actionCommand":
      return <CommandFields {...group(a)} />;
    case "actionWebhook":
      return <WebhookFields {...group(a)} />;
    case "actionDiscord":
    case "actionSlack":
    case "actionHealthchecks":
      return <WebhookUrlFields {...group(a)} urlHint={WEBHOOK_URL_HINT[a.case]} />;
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
  return (
    <Field label="Message template" error={props.err("template")} hint={props.hint ?? TEMPLATE_HINT}>
      <TemplateInput value={props.value.template} onChange={(template) => props.set({ template })} rows={props.rows} />
    </Field>
  );
}

/** A one-line template: a notification's title or an email's subject. */
function TitleTemplate(props: { label: string; value: string; error?: string; onChange: (v: string) => void }) {
  return (
    <Field label={props.label} error={props.error}>
      <TextInput value={props.value} onChange={props.onChange} placeholder="cairn: {{ .Event }} for {{ .Plan.Id }}" />
    </Field>
  );
}

function CommandFields({ value: v, err, set }: Group<ValueOf<"actionCommand">>) {
  return (
    <Field
      label="Command"
      error={err("command")}
      hint={
        <>
          A script run by <code>sh</code> (a first line like <code>#!/bin/bash</code> picks another interpreter); its output goes to the
          hook&apos;s log and a non-zero exit is a failure. It is a template too, e.g. <code>{"echo {{ .ShellEscape .Summary }}"}</code>.
        </>
      }
    >
      <textarea
        rows={4}
        value={v.command}
        spellCheck={false}
        placeholder={'curl -fsS -m 10 https://example.com/ping\necho "{{ .Event }} for {{ .Plan.Id }}"'}
        onChange={(e) => set({ command: e.target.value })}
      />
    </Field>
  );
}

function WebhookFields(props: Group<ValueOf<"actionWebhook">>) {
  const { value: v, err, set } = props;
  return (
    <>
      <Field label="Webhook URL" error={err("webhookUrl")} hint={secretHint(v.webhookUrl)}>
        <TextInput value={v.webhookUrl} onChange={(webhookUrl) => set({ webhookUrl })} placeholder="https://example.com/hook" />
      </Field>
      <Field label="Method" error={err("method")} hint="GET calls the URL; POST sends the rendered template as text.">
        <select
          value={v.method === Hook_Webhook_Method.GET ? Hook_Webhook_Method.GET : Hook_Webhook_Method.POST}
          onChange={(e) => set({ method: Number(e.target.value) as Hook_Webhook_Method })}
        >
          <option value={Hook_Webhook_Method.POST}>POST</option>
          <option value={Hook_Webhook_Method.GET}>GET</option>
        </select>
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

/** Discord, Slack and Healthchecks: a webhook URL and a message. */
function WebhookUrlFields(props: Group<{ webhookUrl: string; template: string }> & { urlHint: string }) {
  const { value: v, err, set } = props;
  return (
    <>
      <Field label="Webhook URL" error={err("webhookUrl")} hint={secretHint(v.webhookUrl, props.urlHint)}>
        <TextInput value={v.webhookUrl} onChange={(webhookUrl) => set({ webhookUrl })} placeholder="https://" />
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

function GotifyFields(props: Group<ValueOf<"actionGotify">>) {
  const { value: v, err, set } = props;
  return (
    <>
      <div className="grid-2">
        <Field label="Server URL" error={err("baseUrl")} hint="Your Gotify server, e.g. https://gotify.example.com">
          <TextInput value={v.baseUrl} onChange={(baseUrl) => set({ baseUrl })} placeholder="https://" />
        </Field>
        <Field label="App token" error={err("token")} hint={secretHint(v.token, "The token of a Gotify application.")}>
          <TextInput value={v.token} onChange={(token) => set({ token })} />
        </Field>
      </div>
      <TitleTemplate
        label="Title template"
        value={v.titleTemplate}
        error={err("titleTemplate")}
        onChange={(titleTemplate) => set({ titleTemplate })}
      />
      <MessageTemplate {...props} />
      <Field label="Priority" error={err("priority")} hint="0 to 10; 0 means 5.">
        <NumberInput value={v.priority} min={0} max={10} onChange={(n) => set({ priority: Math.trunc(n) })} />
      </Field>
    </>
  );
}

function ShoutrrrFields(props: Group<ValueOf<"actionShoutrrr">>) {
  const { value: v, err, set } = props;
  return (
    <>
      <Field
        label="Shoutrrr URL"
        error={err("shoutrrrUrl")}
        hint={secretHint(
          v.shoutrrrUrl,
          <>
            Supported: <code>discord://</code>, <code>slack://</code>, <code>telegram://</code>, <code>gotify://</code>,{" "}
            <code>ntfy://</code>, <code>generic://</code> (<code>generic+http://</code>), <code>smtp://</code>.
          </>,
        )}
      >
        <TextInput value={v.shoutrrrUrl} onChange={(shoutrrrUrl) => set({ shoutrrrUrl })} placeholder="ntfy://ntfy.sh/my-topic" />
      </Field>
      <MessageTemplate {...props} />
    </>
  );
}

function TelegramFields(props: Group<ValueOf<"actionTelegram">>) {
  const { value: v, err, set } = props;
  return (
    <>
      <div className="grid-2">
        <Field label="Bot token" error={err("botToken")} hint={secretHint(v.botToken, "From @BotFather.")}>
          <TextInput value={v.botToken} onChange={(botToken) => set({ botToken })} placeholder="123456:ABC-DEF..." />
        </Field>
        <Field label="Chat ID" error={err("chatId")} hint="The user, group or channel to message.">
          <TextInput value={v.chatId} onChange={(chatId) => set({ chatId })} placeholder="-1001234567890" />
        </Field>
      </div>
      <MessageTemplate {...props} hint={`${TEMPLATE_HINT} Telegram's HTML formatting applies.`} />
    </>
  );
}

function NtfyFields(props: Group<ValueOf<"actionNtfy">>) {
  const { value: v, err, set } = props;
  return (
    <>
      <div className="grid-2">
        <Field label="Topic URL" error={err("url")} hint={secretHint(v.url, "The server and topic.")}>
          <TextInput value={v.url} onChange={(url) => set({ url })} placeholder="https://ntfy.sh/my-backups" />
        </Field>
        <Field label="Access token" error={err("token")} hint={secretHint(v.token, "Only if the topic needs one.")}>
          <TextInput value={v.token} onChange={(token) => set({ token })} />
        </Field>
      </div>
      <TitleTemplate
        label="Title template"
        value={v.titleTemplate}
        error={err("titleTemplate")}
        onChange={(titleTemplate) => set({ titleTemplate })}
      />
      <MessageTemplate {...props} />
      <Field label="Priority" error={err("priority")}>
        <select value={v.priority} onChange={(e) => set({ priority: Number(e.target.value) })}>
          <option value={0}>Server default</option>
          <option value={1}>1 (min)</option>
          <option value={2}>2 (low)</option>
          <option value={3}>3 (default)</option>
          <option value={4}>4 (high)</option>
          <option value={5}>5 (max)</option>
        </select>
      </Field>
    </>
  );
}

function EmailFields(props: Group<ValueOf<"actionEmail">> & { toError?: string }) {
  const { value: v, err, set } = props;
  return (
    <>
      <Field
        label="SMTP URL"
        error={err("smtpUrl")}
        hint={secretHint(
          v.smtpUrl,
          <>
            <code>smtp://user:password@host:587</code> (STARTTLS), <code>smtps://...:465</code> (TLS), or{" "}
            <code>smtp+plain://localhost:25</code> (no TLS, for a local relay).
          </>,
        )}
      >
        <TextInput value={v.smtpUrl} onChange={(smtpUrl) => set({ smtpUrl })} placeholder="smtp://user:password@mail.example.com:587" />
      </Field>
      <div className="grid-2">
        <Field label="From" error={err("from")}>
          <TextInput value={v.from} onChange={(from) => set({ from })} placeholder="cairn@example.com" type="email" />
        </Field>
        <Field label="To" error={props.toError} hint="One address per line.">
          <LinesInput value={v.to} onChange={(to) => set({ to })} placeholder="me@example.com" rows={2} />
        </Field>
      </div>
      <TitleTemplate
        label="Subject template"
        value={v.subjectTemplate}
        error={err("subjectTemplate")}
        onChange={(subjectTemplate) => set({ subjectTemplate })}
      />
      <MessageTemplate {...props} rows={4} />
    </>
  );
}
