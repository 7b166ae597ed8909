// What the repository and plan forms do with a refused save: the fields the server names for the
// edited object become field errors (re-keyed relative to it); anything no field shows goes to a
// banner, so no message is lost. Also the checks and clean-ups both forms make before sending.
import type { Schedule } from "@gen/v1/config_pb";
import { errorMessage, errorsUnder, fieldErrors, type FieldErrors } from "../api/errors";
import { i18n } from "../i18n";

// The two banners that only point at the marked fields are markers, held in a form's state and put into
// words where shown (FormBanner), so they follow a change of language.

/** The banner over a form whose own checks marked some fields. */
export const LOCAL_ERRORS_BANNER = "Some settings need attention; see the marked fields.";

/** The banner over a form whose fields the server's refusal marked, all of its message shown on them. */
export const SERVER_ERRORS_BANNER = "The server refused some settings; see the marked fields.";

/** A banner's text in the language shown now: the markers above translated, any other text as it is. */
export function bannerText(banner: string): string {
  if (banner === LOCAL_ERRORS_BANNER) return i18n.t("shell:form.localErrors");
  if (banner === SERVER_ERRORS_BANNER) return i18n.t("shell:form.serverErrors");
  return banner;
}

/** The banner to show with the fields' current `errors`: one that only points at them goes with them. */
export function currentBanner(banner: string | null, errors: FieldErrors): string | null {
  const pointsAtFields = banner === LOCAL_ERRORS_BANNER || banner === SERVER_ERRORS_BANNER;
  return pointsAtFields && Object.keys(errors).length === 0 ? null : banner;
}

export interface MappedErrors {
  /** Errors keyed relative to the edited object (`uri`, `schedule.cron`, `hooks[0].actionCommand.command`). */
  fields: FieldErrors;
  /** Text for a banner: the message when no field shows any of it, or the lines no field shows. */
  banner: string | null;
}

/**
 * Splits a server refusal into field errors under any of `prefixes` (e.g. `repos[2]` and `repo`) whose
 * relative key one of `displayed` matches, and a banner for the rest.
 */
export function mapServerErrors(e: unknown, prefixes: string[], displayed: RegExp[]): MappedErrors {
  const message = errorMessage(e);
  const all = fieldErrors(e);
  if (Object.keys(all).length === 0) return { fields: {}, banner: message };
  const fields: FieldErrors = {};
  const shown = new Set<string>();
  for (const prefix of prefixes) {
    for (const [rel, text] of Object.entries(errorsUnder(all, prefix))) {
      if (!displayed.some((re) => re.test(rel))) continue;
      fields[rel] = fields[rel] ? `${fields[rel]}; ${text}` : text;
      shown.add(rel === "" ? prefix : rel.startsWith("[") ? prefix + rel : `${prefix}.${rel}`);
    }
  }
  // Nothing for this object's fields: the message as it is.
  if (shown.size === 0) return { fields, banner: message };
  const rest = Object.entries(all)
    .filter(([k]) => !shown.has(k))
    .map(([k, v]) => `${k}: ${v}`);
  if (rest.length === 0) return { fields, banner: SERVER_ERRORS_BANNER };
  const head = message.split("\n")[0];
  const lead = Object.keys(all).some((k) => head.startsWith(`${k}:`)) ? i18n.t("shell:form.serverRefused") : head;
  return { fields, banner: [lead, ...rest].join("\n") };
}

/**
 * The errors of a list edited as lines (`flags`, `env[2]`, ...) as one message for its textarea,
 * naming the line of each.
 */
export function linesError(errors: FieldErrors | undefined, key: string): string | undefined {
  if (!errors) return undefined;
  const parts: string[] = [];
  if (errors[key]) parts.push(errors[key]);
  const item = new RegExp(`^${key.replace(/[.[\]]/g, "\\$&")}\\[(\\d+)\\]$`);
  const indexed = Object.entries(errors)
    .map(([k, v]) => [item.exec(k), v] as const)
    .filter((e): e is [RegExpExecArray, string] => e[0] !== null)
    .sort((a, b) => Number(a[0][1]) - Number(b[0][1]));
  for (const [m, v] of indexed) parts.push(i18n.t("shell:form.line", { n: Number(m[1]) + 1, message: v }));
  return parts.length ? parts.join("\n") : undefined;
}

/** Sorts strings as the server does before validating (by code point), so `paths[i]` errors line up. */
export function sortLikeServer(values: string[]): string[] {
  return [...values].sort((a, b) => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
}

/** Lines with surrounding blanks trimmed and empty lines dropped. */
export function cleanLines(values: string[]): string[] {
  return values.map((v) => v.trim()).filter(Boolean);
}

/** Client-side checks shared by the forms: ids as the server accepts them. */
export const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** What a checked id names: each kind has whole sentences of its own, as languages place and inflect the noun differently. */
export type IdKind = "plan" | "repository";

const REQUIRED = { plan: "shell:names.planRequired", repository: "shell:names.repositoryRequired" } as const;
const TAKEN = { plan: "shell:names.planTaken", repository: "shell:names.repositoryTaken" } as const;

export function idError(kind: IdKind, id: string): string | undefined {
  if (!id) return i18n.t(REQUIRED[kind]);
  if (!ID_PATTERN.test(id)) return i18n.t("shell:names.idCharacters");
  if (id.length > 1 && id.startsWith("_") && id.endsWith("_")) return i18n.t("shell:names.reserved");
  return undefined;
}

/** The error for the name of a new repository or plan: malformed, or already used by one in `taken`. */
export function newIdError(kind: IdKind, id: string, taken: string[]): string | undefined {
  return idError(kind, id) ?? (taken.includes(id) ? i18n.t(TAKEN[kind], { id }) : undefined);
}

/** Whether a schedule runs at all (it is set and not disabled). */
export function scheduleEnabled(s: Schedule | undefined): boolean {
  return s?.schedule.case !== undefined && s.schedule.case !== "disabled";
}

/** Errors for flags that do not start with '-', keyed `<key>[i]`. */
export function flagErrors(key: string, flags: string[]): FieldErrors {
  const out: FieldErrors = {};
  flags.forEach((f, i) => {
    if (!f.startsWith("-")) out[`${key}[${i}]`] = i18n.t("shell:names.flagDash", { flag: f, example: "--one-file-system" });
  });
  return out;
}
