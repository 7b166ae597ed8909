// Turns API errors into what a person reads: one message, and, for a refused config, the message
// for each field the server named ("plans[0].repo: ..." lines become {"plans[0].repo": "..."}).
import { ConnectError } from "@connectrpc/connect";

export function errorMessage(e: unknown): string {
  if (e instanceof ConnectError) return e.rawMessage;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** True when the error is the abort of a call the UI itself ended. */
export function isAbort(e: unknown): boolean {
  return (e instanceof DOMException && e.name === "AbortError") || (e instanceof ConnectError && e.code === 1); /* Canceled */
}

/** Field path → message, from a validation error's `path: message` lines. */
export type FieldErrors = Record<string, string>;

const FIELD_LINE = /^\s*(?:-\s*)?([A-Za-z_][\w]*(?:\[\d+\]|\.[A-Za-z_][\w]*)*):\s+(.+)$/;

export function parseFieldErrors(message: string): FieldErrors {
  const out: FieldErrors = {};
  for (const line of message.split("\n")) {
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    const [, path, text] = m;
    const key = toCamelPath(path);
    out[key] = out[key] ? `${out[key]}; ${text}` : text;
  }
  return out;
}

/** `plans[0].backup_flags` → `plans[0].backupFlags`: the server may name fields either way. */
export function toCamelPath(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The errors under `prefix` (e.g. `repos[2]`), re-keyed relative to it (`uri`, `prunePolicy.schedule`). */
export function errorsUnder(errors: FieldErrors, prefix: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(errors)) {
    if (k === prefix) out[""] = v;
    else if (k.startsWith(prefix + ".")) out[k.slice(prefix.length + 1)] = v;
    else if (k.startsWith(prefix + "[")) out[k.slice(prefix.length)] = v;
  }
  return out;
}
