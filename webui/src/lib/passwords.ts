// Where a user's password hash goes in the config: HashPassword answers with a bcrypt hash as Backrest
// stores it, which belongs in `passwordBcrypt`; an argon2id PHC string (from an older cairn) in
// `passwordArgon2`. GetConfig shows every stored hash as a placeholder that keeps it when sent back.
import type { User } from "@gen/v1/config_pb";

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
  if (pw.length === 0) return "Enter a password.";
  if (pw.length < 8) return "Choose a password of at least 8 characters.";
  if (new TextEncoder().encode(pw).length > 72) return "Choose a password of at most 72 bytes (bcrypt reads no more).";
  if (pw !== confirm) return "The passwords differ.";
  return null;
}

const USER_NAME = /^[A-Za-z0-9_.@-]+$/;

/** Problems with a new user's name (the server's id rules), or null. */
export function userNameProblem(name: string, existing: string[]): string | null {
  if (!name) return "Enter a user name.";
  if (!USER_NAME.test(name)) return "Use letters, digits, '_', '-', '.' and '@' only.";
  if (name.length > 1 && name.startsWith("_") && name.endsWith("_")) return "Names that start and end with '_' are reserved.";
  if (existing.includes(name)) return `A user named ${name} exists already.`;
  return null;
}
