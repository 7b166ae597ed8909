// Where one hook's errors (keyed relative to the hook) are shown: under its conditions, beside its
// on-error choice or its action's fields, and anything else in a banner at the top of the hook.
import type { FieldErrors } from "../../api/errors";
import { ACTION_FIELDS, type ActionCase } from "./actions";

/** The errors of the hook's conditions (the list or one of them). */
export function conditionErrors(errors: FieldErrors): string[] {
  return Object.entries(errors)
    .filter(([k]) => k === "conditions" || k.startsWith("conditions["))
    .map(([, v]) => v);
}

/** The errors no field of the hook shows, as [key, message] pairs. */
export function leftoverErrors(errors: FieldErrors, actionCase: ActionCase | undefined): [string, string][] {
  const shown = new Set(actionCase ? ACTION_FIELDS[actionCase].map((f) => `${actionCase}.${f}`) : []);
  return Object.entries(errors).filter(([k]) => !shown.has(k) && !k.startsWith("conditions") && k !== "onError");
}
