// The draft the settings page edits: the server's config it started from and the edited copy, how it
// follows the server's config as that is reloaded, and the config sections it edits, created on demand.
import { create } from "@bufbuild/protobuf";
import { AuthSchema, CairnSettingsSchema, type Auth, type CairnSettings, type Config } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { isDirty, normalizeConfig, rebaseDraft } from "../../lib/settingsDraft";

export interface SettingsForm {
  /** The server's config the draft started from (or was carried over to). */
  base: Config;
  draft: Config;
}

/** An edit of the draft, made on a copy of it. */
export type Edit = (fn: (d: Config) => void) => void;

/** The props of a section that edits the draft. */
export interface DraftSectionProps {
  draft: Config;
  errors: FieldErrors;
  edit: Edit;
}

export function authOf(c: Config): Auth {
  c.auth ??= create(AuthSchema, {});
  return c.auth;
}

export function settingsOf(c: Config): CairnSettings {
  c.cairn ??= create(CairnSettingsSchema, {});
  return c.cairn;
}

export function fresh(c: Config): SettingsForm {
  return { base: normalizeConfig(c), draft: normalizeConfig(c) };
}

/** The form after the server's config changed: reset when clean, carried over when only tokens changed. */
export function follow(f: SettingsForm | null, c: Config): SettingsForm {
  if (!f || !isDirty(f.base, f.draft)) return fresh(c);
  if (f.base.modno === c.modno) return f;
  return rebaseDraft(f.base, f.draft, c) ?? f;
}
