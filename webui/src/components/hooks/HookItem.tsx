// One hook in the editor: its action and what a failure does, the events it fires on, its action's
// fields, and the buttons that move or remove it. Errors no field shows are listed at its top.
import type { Hook } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { useTranslation } from "../../i18n";
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
  const { t } = useTranslation("plans");
  const n = index + 1;
  const leftover = leftoverErrors(errors, hook.action.case);

  return (
    <fieldset className="hook-item">
      <legend>{t("hooks.item.legend", { n })}</legend>
      {leftover.length > 0 && (
        <div className="banner banner-error" role="alert">
          {leftover.map(([k, v]) => (
            <div key={k}>{k ? t("hooks.item.leftover", { key: k, message: v }) : v}</div>
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
        <button type="button" onClick={() => props.onMove(-1)} disabled={index === 0} aria-label={t("hooks.item.moveUpLabel", { n })}>
          {t("hooks.item.moveUp")}
        </button>
        <button
          type="button"
          onClick={() => props.onMove(1)}
          disabled={index === count - 1}
          aria-label={t("hooks.item.moveDownLabel", { n })}
        >
          {t("hooks.item.moveDown")}
        </button>
        <button type="button" className="danger" onClick={props.onRemove}>
          {t("hooks.item.remove")}
        </button>
      </div>
    </fieldset>
  );
}

/** The action picker: choosing another action starts it empty. */
function ActionSelect(props: { action: Action; onChange: (a: Action) => void }) {
  const actionCase = props.action.case;
  const { t } = useTranslation("plans");
  return (
    <Field label={t("hooks.item.action")}>
      <select
        value={actionCase ?? ""}
        onChange={(e) => {
          const a = ACTIONS.find((x) => x.case === e.target.value);
          if (a) props.onChange(a.make());
        }}
      >
        {!actionCase && <option value="">{t("hooks.item.chooseAction")}</option>}
        {ACTIONS.map((a) => (
          <option key={a.case} value={a.case}>
            {t(`hooks.actions.${a.case}`)}
          </option>
        ))}
      </select>
    </Field>
  );
}
