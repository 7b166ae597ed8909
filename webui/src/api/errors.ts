// Turns API errors into what a person reads: one message, and, for a refused config or argument, the
// message for each field the server named in the error's google.rpc.BadRequest detail.
import { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "@gen/google/rpc/error_details_pb";

export function errorMessage(e: unknown): string {
  if (e instanceof ConnectError) return e.rawMessage;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** True when the error is the abort of a call the UI itself ended. */
export function isAbort(e: unknown): boolean {
  return (e instanceof DOMException && e.name === "AbortError") || (e instanceof ConnectError && e.code === 1); /* Canceled */
}

/** Field path → message, for the fields a refusal names. */
export type FieldErrors = Record<string, string>;

/**
 * The fields a server refusal names, from its `google.rpc.BadRequest` detail (each violation's path,
 * camel-cased, and description); two messages for one field are joined. Empty for any other error.
 */
export function fieldErrors(e: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!(e instanceof ConnectError)) return out;
  for (const detail of e.findDetails(BadRequestSchema)) {
    for (const v of detail.fieldViolations) {
      const key = toCamelPath(v.field);
      out[key] = out[key] ? `${out[key]}; ${v.description}` : v.description;
    }
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
