// The events a hook fires on ("When"), grouped by the task they belong to, as checkboxes with the
// errors the server gave for them.
import { Hook_Condition } from "@gen/v1/config_pb";
import { Check } from "../FormKit";

interface ConditionInfo {
  value: Hook_Condition;
  label: string;
  hint: string;
}

export const CONDITION_GROUPS: { name: string; items: ConditionInfo[] }[] = [
  {
    name: "Snapshot",
    items: [
      { value: Hook_Condition.SNAPSHOT_START, label: "Snapshot start", hint: "Before a backup starts" },
      { value: Hook_Condition.SNAPSHOT_END, label: "Snapshot end", hint: "After every backup, whatever its outcome" },
      { value: Hook_Condition.SNAPSHOT_SUCCESS, label: "Snapshot success", hint: "A backup succeeded" },
      {
        value: Hook_Condition.SNAPSHOT_WARNING,
        label: "Snapshot warning",
        hint: "A backup finished, but some files could not be read",
      },
      { value: Hook_Condition.SNAPSHOT_ERROR, label: "Snapshot error", hint: "A backup failed" },
      { value: Hook_Condition.SNAPSHOT_SKIPPED, label: "Snapshot skipped", hint: "A backup was skipped" },
    ],
  },
  {
    name: "Prune",
    items: [
      { value: Hook_Condition.PRUNE_START, label: "Prune start", hint: "Before a prune starts" },
      { value: Hook_Condition.PRUNE_SUCCESS, label: "Prune success", hint: "A prune succeeded" },
      { value: Hook_Condition.PRUNE_ERROR, label: "Prune error", hint: "A prune failed" },
    ],
  },
  {
    name: "Check",
    items: [
      { value: Hook_Condition.CHECK_START, label: "Check start", hint: "Before a check starts" },
      { value: Hook_Condition.CHECK_SUCCESS, label: "Check success", hint: "A check found no problem" },
      { value: Hook_Condition.CHECK_ERROR, label: "Check error", hint: "A check failed or found a problem" },
    ],
  },
  {
    name: "Forget",
    items: [
      { value: Hook_Condition.FORGET_START, label: "Forget start", hint: "Before retention forgets snapshots" },
      { value: Hook_Condition.FORGET_SUCCESS, label: "Forget success", hint: "Forget succeeded" },
      { value: Hook_Condition.FORGET_ERROR, label: "Forget error", hint: "Forget failed" },
    ],
  },
  {
    name: "Any",
    items: [{ value: Hook_Condition.ANY_ERROR, label: "Any error", hint: "Any task (backup, prune, check, forget...) failed" }],
  },
];

export function HookConditions(props: { conditions: Hook_Condition[]; errors: string[]; onChange: (c: Hook_Condition[]) => void }) {
  const { conditions, errors, onChange } = props;
  const toggle = (c: Hook_Condition, on: boolean) =>
    onChange(on ? [...conditions.filter((x) => x !== c), c] : conditions.filter((x) => x !== c));
  return (
    <fieldset className="hook-conditions">
      <legend>When</legend>
      <div className="condition-groups">
        {CONDITION_GROUPS.map((g) => (
          <div key={g.name} className="condition-group">
            <div className="condition-group-name">{g.name}</div>
            {g.items.map((c) => (
              <Check
                key={c.value}
                label={c.label}
                title={c.hint}
                checked={conditions.includes(c.value)}
                onChange={(on) => toggle(c.value, on)}
              />
            ))}
          </div>
        ))}
      </div>
      {conditions.length === 0 && <div className="field-hint tone-warn">No condition is ticked: this hook never runs.</div>}
      {errors.length > 0 && (
        <div className="field-error" role="alert">
          {errors.join("; ")}
        </div>
      )}
    </fieldset>
  );
}
