// Where a user's password hash goes in the config: HashPassword answers with a bcrypt hash as Backrest
// stores it, which belongs in `passwordBcrypt`; an argon2id PHC string (from an older cairn) in
// `passwordArgon2`. GetConfig shows every stored hash as a placeholder that keeps it when sent back.
import type { User } from "@gen/v1/config_pb";
import { i18n } from "../i18n";

/** What GetConfig sends in place of a stored secret. */
export const SECRET_PLACEHOLDER = "********";

export function passwordFromHash(hash: string): User["password"] {
  return hash.startsWith("$argon2") ? { case: "passwordArgon2", value: hash } : { case: "passwordBcrypt", value: hash };
}

/** A short word for how a user's password is held: stored (kept), new (set here, unsaved), or none. */
export function passwordState(user: Pick<User, "password">): "stored" | "new" | "none" {
  const p = user.password;
  if (!p.case || !p.value) return "none";
  return p.value === SECRET_PLACEHOLDER ? "stored" : "new";
}

/** Problems with a new password and its confirmation, or null. */
export function passwordProblem(pw: string, confirm: string): string | null {
  if (pw.length === 0) return i18n.t("shell:passwords.empty");
  if (pw.length < 8) return i18n.t("shell:passwords.tooShort");
  if (new TextEncoder().encode(pw).length > 72) return i18n.t("shell:passwords.tooLong");
  if (pw !== confirm) return i18n.t("shell:passwords.differ");
  return null;
}

const USER_NAME = /^[A-Za-z0-9_.@-]+$/;

/** Problems with a new user's name (the server's id rules), or null. */
export function userNameProblem(name: string, existing: string[]): string | null {
  if (!name) return i18n.t("shell:names.userRequired");
  if (!USER_NAME.test(name)) return i18n.t("shell:names.userCharacters");
  if (name.length > 1 && name.startsWith("_") && name.endsWith("_")) return i18n.t("shell:names.reserved");
  if (existing.includes(name)) return i18n.t("shell:names.userTaken", { name });
  return null;
}
