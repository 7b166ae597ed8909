// The actions a hook can take: each one's label and empty value for the action picker, and the fields
// each one shows, as the server names them below the hook (to route its errors to them).
import { create } from "@bufbuild/protobuf";
import {
  Hook_CommandSchema,
  Hook_DiscordSchema,
  Hook_EmailSchema,
  Hook_GotifySchema,
  Hook_HealthchecksSchema,
  Hook_NtfySchema,
  Hook_ShoutrrrSchema,
  Hook_SlackSchema,
  Hook_TelegramSchema,
  Hook_WebhookSchema,
  Hook_Webhook_Method,
  type Hook,
} from "@gen/v1/config_pb";

export type Action = Hook["action"];
export type ActionCase = NonNullable<Action["case"]>;

export const ACTIONS: { case: ActionCase; label: string; make: () => Action }[] = [
  { case: "actionCommand", label: "Command", make: () => ({ case: "actionCommand", value: create(Hook_CommandSchema) }) },
  {
    case: "actionWebhook",
    label: "Webhook",
    make: () => ({ case: "actionWebhook", value: create(Hook_WebhookSchema, { method: Hook_Webhook_Method.POST }) }),
  },
  { case: "actionDiscord", label: "Discord", make: () => ({ case: "actionDiscord", value: create(Hook_DiscordSchema) }) },
  { case: "actionSlack", label: "Slack", make: () => ({ case: "actionSlack", value: create(Hook_SlackSchema) }) },
  { case: "actionGotify", label: "Gotify", make: () => ({ case: "actionGotify", value: create(Hook_GotifySchema) }) },
  { case: "actionShoutrrr", label: "Shoutrrr", make: () => ({ case: "actionShoutrrr", value: create(Hook_ShoutrrrSchema) }) },
  {
    case: "actionHealthchecks",
    label: "Healthchecks",
    make: () => ({ case: "actionHealthchecks", value: create(Hook_HealthchecksSchema) }),
  },
  { case: "actionTelegram", label: "Telegram", make: () => ({ case: "actionTelegram", value: create(Hook_TelegramSchema) }) },
  { case: "actionNtfy", label: "ntfy", make: () => ({ case: "actionNtfy", value: create(Hook_NtfySchema) }) },
  { case: "actionEmail", label: "Email", make: () => ({ case: "actionEmail", value: create(Hook_EmailSchema) }) },
];

/** The fields each action shows, as the server names them below the hook (for routing errors). */
export const ACTION_FIELDS: Record<ActionCase, string[]> = {
  actionCommand: ["command"],
  actionWebhook: ["webhookUrl", "method", "template"],
  actionDiscord: ["webhookUrl", "template"],
  actionSlack: ["webhookUrl", "template"],
  actionGotify: ["baseUrl", "token", "titleTemplate", "template", "priority"],
  actionShoutrrr: ["shoutrrrUrl", "template"],
  actionHealthchecks: ["webhookUrl", "template"],
  actionTelegram: ["botToken", "chatId", "template"],
  actionNtfy: ["url", "token", "titleTemplate", "template", "priority"],
  actionEmail: ["smtpUrl", "from", "to", "subjectTemplate", "template"],
};
