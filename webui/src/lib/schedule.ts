// Schedules in words and their next runs, as cairn's scheduler computes them (docs/scheduling.md):
// every schedule is anchored at the task's last run (or now, when it has never run); a due time that
// has passed means one catch-up run now; cron is evaluated in the server's time zone (given, or this
// browser's), or in UTC for CLOCK_UTC.
import { Cron } from "croner";
import cronstrue from "cronstrue";
import { Schedule_Clock, type Schedule } from "@gen/v1/config_pb";

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

const FIELD_NAMES = "minute hour day-of-month month day-of-week";

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
const LONG_FORM: NoPreview = {
  note: "A cron expression with a year (Backrest's 6- and 7-field forms) runs as written; the server checks it, and this page cannot preview it.",
};

/** `zone`: the IANA zone cron fires in on the local clocks (default: this browser's). */
function parseCron(expr: string, clock: Schedule_Clock, zone?: string): Cron | { error: string } | NoPreview {
  const e = expandCron(expr);
  if (!e) return { error: `The cron expression is empty; give 5 fields: ${FIELD_NAMES}.` };
  const fields = e.split(" ");
  if (fields.length === 6 || fields.length === 7) return LONG_FORM;
  if (fields.length !== 5) {
    return { error: `"${expr.trim()}" has ${fields.length} field(s); cron needs 5: ${FIELD_NAMES}.` };
  }
  if (hasDowSeven(fields[4])) return { error: `"${expr.trim()}" uses 7 for day-of-week; use 0 for Sunday.` };
  try {
    const timezone = clock === Schedule_Clock.UTC ? "UTC" : zone;
    return timezone ? new Cron(e, { timezone }) : new Cron(e);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, "") : String(err);
    return { error: `"${expr.trim()}" is not a valid cron expression: ${reason}` };
  }
}

/** Why a cron expression would be refused, or null when it is fine. */
export function cronError(expr: string): string | null {
  const c = parseCron(expr, Schedule_Clock.UTC);
  if ("note" in c) return null;
  if (!(c instanceof Cron)) return c.error;
  if (c.nextRuns(1, new Date()).length === 0) return `"${expr.trim()}" never fires.`;
  return null;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : `${n} ${many}`;
}

/** "At 03:00, every day" → "At 03:00 every day"; "Every hour, every day" → "Every hour". */
function tidyCronText(text: string): string {
  if (!text.endsWith(", every day")) return text;
  const head = text.slice(0, -", every day".length);
  return head.startsWith("At ") ? `${head} every day` : head;
}

/** A schedule in words: "Disabled", "Every 6 hours", "At 03:00 every day (local time)". */
export function describeSchedule(s: Schedule | undefined): string {
  const kind = s?.schedule;
  switch (kind?.case) {
    case undefined:
    case "disabled":
      return "Disabled";
    case "maxFrequencyHours":
      return `Every ${plural(kind.value, "hour", "hours")}`;
    case "maxFrequencyDays":
      return `Every ${plural(kind.value, "day", "days")}`;
    case "cron": {
      const zone = s?.clock === Schedule_Clock.UTC ? "UTC" : "local time";
      const parsed = parseCron(kind.value, s?.clock ?? Schedule_Clock.DEFAULT);
      if ("note" in parsed) return `Cron "${kind.value.trim()}" (${zone})`;
      if (!(parsed instanceof Cron)) return `Cron "${kind.value.trim()}" (invalid)`;
      try {
        const text = cronstrue.toString(expandCron(kind.value), { use24HourTimeFormat: true, verbose: true });
        return `${tidyCronText(text)} (${zone})`;
      } catch {
        return `Cron "${kind.value.trim()}" (${zone})`;
      }
    }
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
    if (!Number.isInteger(n) || n < 1) return { error: `The interval must be at least 1 (got ${n}).` };
    const step = n * HOUR_MS * (kind.case === "maxFrequencyDays" ? 24 : 1);
    let t = Math.max(anchor + step, now);
    for (let i = 0; i < count; i++, t += step) out.push(new Date(t));
    return out;
  }
  const cron = parseCron(kind.value, s.clock, zone);
  if (!(cron instanceof Cron)) return cron;
  const first = cron.nextRuns(1, new Date(anchor))[0] as Date | undefined;
  if (!first) return { error: `"${kind.value.trim()}" never fires.` };
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
