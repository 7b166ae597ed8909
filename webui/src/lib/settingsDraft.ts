// The settings page edits a draft of the whole config: started from the server's config, compared with
// it to tell unsaved changes, carried over a change that only touched API tokens (created or revoked
// meanwhile, which bumps the modno), and the server's refusal split into field errors and the rest.
import { clone, create, equals } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AuthSchema, CairnSettingsSchema, ConfigSchema, type Config } from "@gen/v1/config_pb";
import { errorMessage, fieldErrors, type FieldErrors } from "../api/errors";

/** A copy of `c` with the auth and cairn sections present, so the form can edit them. */
export function normalizeConfig(c: Config): Config {
  const out = clone(ConfigSchema, c);
  out.auth ??= create(AuthSchema, {});
  out.cairn ??= create(CairnSettingsSchema, {});
  return out;
}

/** `c` without what the settings page does not save itself: the modno and the API tokens. */
function withoutTokens(c: Config): Config {
  const out = normalizeConfig(c);
  out.modno = 0;
  if (out.cairn) out.cairn.apiTokens = [];
  return out;
}

export function isDirty(base: Config, draft: Config): boolean {
  return !equals(ConfigSchema, normalizeConfig(base), normalizeConfig(draft));
}

/**
 * Carries a draft over to a newer server config when the only change is in the API tokens (or none):
 * the draft takes the new modno and tokens. Null when something the draft edits changed elsewhere.
 */
export function rebaseDraft(base: Config, draft: Config, fresh: Config): { base: Config; draft: Config } | null {
  if (!equals(ConfigSchema, withoutTokens(base), withoutTokens(fresh))) return null;
  const nextBase = normalizeConfig(fresh);
  const nextDraft = normalizeConfig(draft);
  nextDraft.modno = nextBase.modno;
  if (nextDraft.cairn && nextBase.cairn) nextDraft.cairn.apiTokens = nextBase.cairn.apiTokens.map((t) => t);
  return { base: nextBase, draft: nextDraft };
}

/** Whether a save was refused because the config changed since it was read. */
export function isStaleModno(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.FailedPrecondition && /modno/i.test(e.rawMessage);
}

const PLACED = [
  /^instance$/,
  /^auth\.users\[\d+\](\.(name|passwordBcrypt|passwordArgon2))?$/,
  /^cairn\.(maxParallelTasks|hookTimeoutSeconds)$/,
  /^cairn\.historyLimits\[\d+\](\.(kind|maxAgeDays|keepMin|keepMax))?$/,
];

/** Whether the settings page shows an error for this field path beside a field. */
export function isPlaced(path: string): boolean {
  return PLACED.some((re) => re.test(path));
}

/**
 * A refused save as field errors (shown beside the fields) and the lines no field of this
 * page shows (errors of other config sections, or a message that names no field).
 */
export function splitSaveError(e: unknown): { fields: FieldErrors; other: string[] } {
  const message = errorMessage(e);
  const all = fieldErrors(e);
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const [k, v] of Object.entries(all)) {
    if (isPlaced(k)) fields[k] = v;
    else other.push(`${k}: ${v}`);
  }
  if (Object.keys(all).length === 0) other.push(message);
  return { fields, other };
}

/** The error for a user row: its name's, or its password's. */
export function userError(errors: FieldErrors, index: number): { name?: string; password?: string; row?: string } {
  const p = `auth.users[${index}]`;
  return {
    name: errors[`${p}.name`],
    password: errors[`${p}.passwordBcrypt`] ?? errors[`${p}.passwordArgon2`],
    row: errors[p],
  };
}
