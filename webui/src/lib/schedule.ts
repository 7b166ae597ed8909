// Schedules in words and their next runs, as cairn's scheduler computes them (docs/scheduling.md):
// every schedule is anchored at the task's last run (or now, when it has never run); a due time that
// has passed means one catch-up run now; cron is evaluated in the server's time zone (given, or this
// browser's), or in UTC for CLOCK_UTC. Every text is put into words at call time, in the language shown.
import { Cron } from "croner";
import cronstrue from "cronstrue";
// Registers cronstrue's Simplified Chinese with it (cronstrue has no Hindi: see cronLocale).
import "cronstrue/locales/zh_CN";
import { Schedule_Clock, type Schedule } from "@gen/v1/config_pb";
import { i18n } from "../i18n";

const HOUR_MS = 3_600_000;

/** The `@alias` forms cairn's cron parser accepts, as 5-field expressions. */
const CRON_ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** A cron expression with its `@alias` expanded and its whitespace normalised. */
export function expandCron(expr: string): string {
  const e = expr.trim();
  return CRON_ALIASES[e.toLowerCase()] ?? e.split(/\s+/).join(" ");
}

/** True if a day-of-week field names 7 (cairn's parser wants 0 for Sunday). */
function hasDowSeven(field: string): boolean {
  return field.split(",").some((part) =>
    part
      .split("/")[0]
      .split("-")
      .some((v) => v === "7"),
  );
}

/** Why a schedule has no preview although it is valid. */
export interface NoPreview {
  note: string;
}

/** Backrest's longer cron forms, which the server reads and this page cannot preview. */
function longForm(): NoPreview {
  return { note: i18n.t("plans:cron.longForm") };
}

/** `zone`: the IANA zone cron fires in on the local clocks (default: this browser's). */
function parseCron(expr: string, clock: Schedule_Clock, zone?: string): Cron | { error: string } | NoPreview {
  const e = expandCron(expr);
  if (!e) return { error: i18n.t("plans:cron.empty") };
  const fields = e.split(" ");
  if (fields.length === 6 || fields.length === 7) return longForm();
  const shown = expr.trim();
  if (fields.length !== 5) return { error: i18n.t("plans:cron.fieldCount", { expr: shown, count: fields.length }) };
  if (hasDowSeven(fields[4])) return { error: i18n.t("plans:cron.daySeven", { expr: shown }) };
  try {
    const timezone = clock === Schedule_Clock.UTC ? "UTC" : zone;
    return timezone ? new Cron(e, { timezone }) : new Cron(e);
  } catch (err) {
    // croner's own reason stays in English: it names the field and value at fault.
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, "") : String(err);
    return { error: i18n.t("plans:cron.invalid", { expr: shown, reason }) };
  }
}

/** Why a cron expression would be refused, or null when it is fine. */
export function cronError(expr: string): string | null {
  const c = parseCron(expr, Schedule_Clock.UTC);
  if ("note" in c) return null;
  if (!(c instanceof Cron)) return c.error;
  if (c.nextRuns(1, new Date()).length === 0) return i18n.t("plans:cron.neverFires", { expr: expr.trim() });
  return null;
}

/** cronstrue's locale for the language shown: its own Simplified Chinese, else English (it has no Hindi). */
function cronLocale(): "zh_CN" | "en" {
  return i18n.language.toLowerCase().startsWith("zh") ? "zh_CN" : "en";
}

/**
 * cronstrue's words, tidied: "At 03:00, every day" → "At 03:00 every day", "Every hour, every day" →
 * "Every hour"; in Chinese "在03:00, 每天" → "每天03:00", "每小时, 每天" → "每小时", with Chinese commas.
 */
function tidyCronText(text: string, locale: "zh_CN" | "en"): string {
  if (locale === "zh_CN") {
    const zh = text.replace(/, ?/g, "，");
    if (!zh.endsWith("，每天")) return zh;
    const head = zh.slice(0, -"，每天".length);
    return head.startsWith("在") ? `每天${head.slice(1)}` : head;
  }
  if (!text.endsWith(", every day")) return text;
  const head = text.slice(0, -", every day".length);
  return head.startsWith("At ") ? `${head} every day` : head;
}

/** A cron schedule in words, on its clock. */
function describeCron(expr: string, clock: Schedule_Clock): string {
  const utc = clock === Schedule_Clock.UTC;
  const parsed = parseCron(expr, clock);
  const raw = { expr: expr.trim() };
  if ("note" in parsed) return i18n.t(utc ? "plans:describe.cronUtc" : "plans:describe.cronLocal", raw);
  if (!(parsed instanceof Cron)) return i18n.t("plans:describe.cronInvalid", raw);
  const locale = cronLocale();
  try {
    const text = tidyCronText(cronstrue.toString(expandCron(expr), { use24HourTimeFormat: true, verbose: true, locale }), locale);
    return i18n.t(utc ? "plans:describe.wordsUtc" : "plans:describe.wordsLocal", { text });
  } catch {
    return i18n.t(utc ? "plans:describe.cronUtc" : "plans:describe.cronLocal", raw);
  }
}

/** A schedule in words: "Disabled", "Every 6 hours", "At 03:00 every day (local time)". */
export function describeSchedule(s: Schedule | undefined): string {
  const kind = s?.schedule;
  switch (kind?.case) {
    case undefined:
    case "disabled":
      return i18n.t("plans:describe.disabled");
    // One hour or day has its own words ("Every day", not "Every 1 day") in every language.
    case "maxFrequencyHours":
      return kind.value === 1 ? i18n.t("plans:describe.everyHour") : i18n.t("plans:describe.everyHours", { count: kind.value });
    case "maxFrequencyDays":
      return kind.value === 1 ? i18n.t("plans:describe.everyDay") : i18n.t("plans:describe.everyDays", { count: kind.value });
    case "cron":
      return describeCron(kind.value, s?.clock ?? Schedule_Clock.DEFAULT);
  }
}

/**
 * The next `count` runs of a schedule whose task last ran at `lastRunMs` (null: never), seen at `now`,
 * with cron on the local clocks firing in `zone` (an IANA name; default: this browser's zone).
 * Each run after the first is computed from the one before it, as the scheduler does once a run ends.
 * A disabled or unset schedule has no runs; an invalid one gives `{ error }`, one this page cannot
 * preview `{ note }`.
 */
export function nextRuns(
  s: Schedule | undefined,
  count: number,
  lastRunMs: number | null,
  now: number,
  zone?: string,
): Date[] | { error: string } | NoPreview {
  const kind = s?.schedule;
  if (!s || !kind || kind.case === undefined || kind.case === "disabled" || count <= 0) return [];
  // A last run in the future (the clock was moved back) counts as now.
  const anchor = lastRunMs === null ? now : Math.min(lastRunMs, now);
  const out: Date[] = [];
  if (kind.case === "maxFrequencyHours" || kind.case === "maxFrequencyDays") {
    const n = kind.value;
    if (!Number.isInteger(n) || n < 1) return { error: i18n.t("plans:cron.intervalTooSmall", { n }) };
    const step = n * HOUR_MS * (kind.case === "maxFrequencyDays" ? 24 : 1);
    let t = Math.max(anchor + step, now);
    for (let i = 0; i < count; i++, t += step) out.push(new Date(t));
    return out;
  }
  const cron = parseCron(kind.value, s.clock, zone);
  if (!(cron instanceof Cron)) return cron;
  const first = cron.nextRuns(1, new Date(anchor))[0] as Date | undefined;
  if (!first) return { error: i18n.t("plans:cron.neverFires", { expr: kind.value.trim() }) };
  // A missed due time means one catch-up run now; later runs follow from it.
  let t = first.getTime() < now ? new Date(now) : first;
  out.push(t);
  while (out.length < count) {
    const next = cron.nextRuns(1, t)[0] as Date | undefined;
    if (!next) break;
    out.push(next);
    t = next;
  }
  return out;
}
