// Which time zone a schedule's preview is computed and shown in: UTC on the UTC clock, otherwise the
// server's (cron on the local clocks fires in the server's zone), or this browser's when the server
// has not said which (or names one this browser does not know), with the preview saying so.
import { Schedule_Clock } from "@gen/v1/config_pb";
import { i18n } from "../i18n";

export interface PreviewZone {
  /** An IANA name, for croner and for formatting the times. */
  zone: string;
  /** How the preview names it, in the language shown: "in the server's time zone (Europe/Berlin)", ... */
  text: string;
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether this browser knows the IANA zone `zone`. */
export function knownZone(zone: string): boolean {
  try {
    return Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone !== "";
  } catch {
    return false;
  }
}

/** `server`: the server's zone; null when it did not say, undefined while it is being asked. */
export function previewZone(clock: Schedule_Clock, server: string | null | undefined, browser = browserZone()): PreviewZone {
  if (clock === Schedule_Clock.UTC) return { zone: "UTC", text: i18n.t("plans:zone.utc") };
  if (server && knownZone(server)) return { zone: server, text: i18n.t("plans:zone.server", { zone: server }) };
  if (server === undefined) return { zone: browser, text: i18n.t("plans:zone.browser", { zone: browser }) };
  if (server) return { zone: browser, text: i18n.t("plans:zone.browserUnknownServer", { zone: browser, server }) };
  return { zone: browser, text: i18n.t("plans:zone.browserServerSilent", { zone: browser }) };
}
