// The actions a hook can take: each one's empty value for the action picker (its label is the catalogue's
// plans:hooks.actions.<case>), and the fields each one shows, as the server names them below the hook
// (to route its errors to them).
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

export const ACTIONS: { case: ActionCase; make: () => Action }[] = [
  { case: "actionCommand", make: () => ({ case: "actionCommand", value: create(Hook_CommandSchema) }) },
  {
    case: "actionWebhook",
    make: () => ({ case: "actionWebhook", value: create(Hook_WebhookSchema, { method: Hook_Webhook_Method.POST }) }),
  },
  { case: "actionDiscord", make: () => ({ case: "actionDiscord", value: create(Hook_DiscordSchema) }) },
  { case: "actionSlack", make: () => ({ case: "actionSlack", value: create(Hook_SlackSchema) }) },
  { case: "actionGotify", make: () => ({ case: "actionGotify", value: create(Hook_GotifySchema) }) },
  { case: "actionShoutrrr", make: () => ({ case: "actionShoutrrr", value: create(Hook_ShoutrrrSchema) }) },
  {
    case: "actionHealthchecks",
    make: () => ({ case: "actionHealthchecks", value: create(Hook_HealthchecksSchema) }),
  },
  { case: "actionTelegram", make: () => ({ case: "actionTelegram", value: create(Hook_TelegramSchema) }) },
  { case: "actionNtfy", make: () => ({ case: "actionNtfy", value: create(Hook_NtfySchema) }) },
  { case: "actionEmail", make: () => ({ case: "actionEmail", value: create(Hook_EmailSchema) }) },
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
