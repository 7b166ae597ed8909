// The events a hook fires on ("When"), grouped by the task they belong to, as checkboxes with the
// errors the server gave for them.
import { Hook_Condition } from "@gen/v1/config_pb";
import { useTranslation } from "../../i18n";
import { Check } from "../FormKit";

/**
 * The conditions by task. Each group's name is the catalogue's plans:hooks.conditions.groups.<name>;
 * each condition's label and hint are plans:hooks.conditions.labels.<key> and .hints.<key>.
 */
export const CONDITION_GROUPS = [
  {
    name: "snapshot",
    items: [
      { value: Hook_Condition.SNAPSHOT_START, key: "snapshotStart" },
      { value: Hook_Condition.SNAPSHOT_END, key: "snapshotEnd" },
      { value: Hook_Condition.SNAPSHOT_SUCCESS, key: "snapshotSuccess" },
      { value: Hook_Condition.SNAPSHOT_WARNING, key: "snapshotWarning" },
      { value: Hook_Condition.SNAPSHOT_ERROR, key: "snapshotError" },
      { value: Hook_Condition.SNAPSHOT_SKIPPED, key: "snapshotSkipped" },
    ],
  },
  {
    name: "prune",
    items: [
      { value: Hook_Condition.PRUNE_START, key: "pruneStart" },
      { value: Hook_Condition.PRUNE_SUCCESS, key: "pruneSuccess" },
      { value: Hook_Condition.PRUNE_ERROR, key: "pruneError" },
    ],
  },
  {
    name: "check",
    items: [
      { value: Hook_Condition.CHECK_START, key: "checkStart" },
      { value: Hook_Condition.CHECK_SUCCESS, key: "checkSuccess" },
      { value: Hook_Condition.CHECK_ERROR, key: "checkError" },
    ],
  },
  {
    name: "forget",
    items: [
      { value: Hook_Condition.FORGET_START, key: "forgetStart" },
      { value: Hook_Condition.FORGET_SUCCESS, key: "forgetSuccess" },
      { value: Hook_Condition.FORGET_ERROR, key: "forgetError" },
    ],
  },
  {
    name: "any",
    items: [{ value: Hook_Condition.ANY_ERROR, key: "anyError" }],
  },
] as const;

export function HookConditions(props: { conditions: Hook_Condition[]; errors: string[]; onChange: (c: Hook_Condition[]) => void }) {
  const { conditions, errors, onChange } = props;
  const { t } = useTranslation("plans");
  const toggle = (c: Hook_Condition, on: boolean) =>
    onChange(on ? [...conditions.filter((x) => x !== c), c] : conditions.filter((x) => x !== c));
  return (
    <fieldset className="hook-conditions">
      <legend>{t("hooks.conditions.legend")}</legend>
      <div className="condition-groups">
        {CONDITION_GROUPS.map((g) => (
          <div key={g.name} className="condition-group">
            <div className="condition-group-name">{t(`hooks.conditions.groups.${g.name}`)}</div>
            {g.items.map((c) => (
              <Check
                key={c.value}
                label={t(`hooks.conditions.labels.${c.key}`)}
                title={t(`hooks.conditions.hints.${c.key}`)}
                checked={conditions.includes(c.value)}
                onChange={(on) => toggle(c.value, on)}
              />
            ))}
          </div>
        ))}
      </div>
      {conditions.length === 0 && <div className="field-hint tone-warn">{t("hooks.conditions.none")}</div>}
      {errors.length > 0 && (
        <div className="field-error" role="alert">
          {errors.join("; ")}
        </div>
      )}
    </fieldset>
  );
}
