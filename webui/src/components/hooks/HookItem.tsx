// One hook in the editor: its action and what a failure does, the events it fires on, its action's
// fields, and the buttons that move or remove it. Errors no field shows are listed at its top.
import type { Hook } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { Field } from "../Field";
import { ACTIONS, type Action } from "./actions";
import { ActionFields } from "./ActionFields";
import { HookConditions } from "./HookConditions";
import { OnErrorField } from "./OnErrorField";
import { conditionErrors, leftoverErrors } from "./hookErrors";

export function HookItem(props: {
  index: number;
  count: number;
  hook: Hook;
  errors: FieldErrors;
  onChange: (h: Hook) => void;
  onRemove: () => void;
  onMove: (by: number) => void;
}) {
  const { index, count, hook, errors, onChange } = props;
  const leftover = leftoverErrors(errors, hook.action.case);

  return (
    <fieldset className="hook-item">
      <legend>Hook {index + 1}</legend>
      {leftover.length > 0 && (
        <div className="banner banner-error" role="alert">
          {leftover.map(([k, v]) => (
            <div key={k}>{k ? `${k}: ${v}` : v}</div>
          ))}
        </div>
      )}
      <div className="grid-2">
        <ActionSelect action={hook.action} onChange={(action) => onChange({ ...hook, action })} />
        <OnErrorField value={hook.onError} error={errors.onError} onChange={(onError) => onChange({ ...hook, onError })} />
      </div>

      <HookConditions
        conditions={hook.conditions}
        errors={conditionErrors(errors)}
        onChange={(conditions) => onChange({ ...hook, conditions })}
      />

      <ActionFields hook={hook} errors={errors} onChange={(action) => onChange({ ...hook, action })} />

      <div className="row hook-buttons">
        <button type="button" onClick={() => props.onMove(-1)} disabled={index === 0} aria-label={`Move hook ${index + 1} up`}>
          Move up
        </button>
        <button type="button" onClick={() => props.onMove(1)} disabled={index === count - 1} aria-label={`Move hook ${index + 1} down`}>
          Move down
        </button>
        <button type="button" className="danger" onClick={props.onRemove}>
          Remove hook
        </button>
      </div>
    </fieldset>
  );
}

/** The action picker: choosing another action starts it empty. */
function ActionSelect(props: { action: Action; onChange: (a: Action) => void }) {
  const actionCase = props.action.case;
  return (
    <Field label="Action">
      <select
        value={actionCase ?? ""}
        onChange={(e) => {
          const a = ACTIONS.find((x) => x.case === e.target.value);
          if (a) props.onChange(a.make());
        }}
      >
        {!actionCase && <option value="">Choose an action</option>}
        {ACTIONS.map((a) => (
          <option key={a.case} value={a.case}>
            {a.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
