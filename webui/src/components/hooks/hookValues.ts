// Whole hooks: the one "Add hook" starts with, and hooks as the repository and plan forms send them.
import { create } from "@bufbuild/protobuf";
import { HookSchema, Hook_CommandSchema, Hook_Condition, Hook_OnError, type Hook } from "@gen/v1/config_pb";
import { cleanLines } from "../../lib/formErrors";

/** A command hook that runs on any error and whose failure is ignored. */
export function newHook(): Hook {
  return create(HookSchema, {
    conditions: [Hook_Condition.ANY_ERROR],
    onError: Hook_OnError.IGNORE,
    action: { case: "actionCommand", value: create(Hook_CommandSchema) },
  });
}

/** Hooks as they are sent: an email's recipients trimmed, blank lines dropped. */
export function cleanHooks(hooks: Hook[]): Hook[] {
  return hooks.map((h) =>
    h.action.case === "actionEmail"
      ? { ...h, action: { case: "actionEmail", value: { ...h.action.value, to: cleanLines(h.action.value.to) } } }
      : h,
  );
}
