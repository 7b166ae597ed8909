// What a failure of the hook does to its task: the choices, each with its explanation shown as the
// field's hint.
import { Hook_OnError } from "@gen/v1/config_pb";
import { useTranslation } from "../../i18n";
import { Field } from "../Field";

/** Each choice with its catalogue key under plans:hooks.onError. */
const ON_ERROR = [
  { value: Hook_OnError.IGNORE, key: "ignore" },
  { value: Hook_OnError.CANCEL, key: "cancel" },
  { value: Hook_OnError.FATAL, key: "fatal" },
  { value: Hook_OnError.RETRY_1MINUTE, key: "retry1Minute" },
  { value: Hook_OnError.RETRY_10MINUTES, key: "retry10Minutes" },
  { value: Hook_OnError.RETRY_EXPONENTIAL_BACKOFF, key: "retryBackoff" },
] as const;

export function OnErrorField(props: { value: Hook_OnError; error?: string; onChange: (v: Hook_OnError) => void }) {
  const { value } = props;
  const { t } = useTranslation("plans");
  const chosen = ON_ERROR.find((o) => o.value === value);
  return (
    <Field label={t("hooks.onError.label")} error={props.error} hint={chosen && t(`hooks.onError.hints.${chosen.key}`)}>
      <select value={value} onChange={(e) => props.onChange(Number(e.target.value) as Hook_OnError)}>
        {ON_ERROR.map((o) => (
          <option key={o.value} value={o.value}>
            {t(`hooks.onError.choices.${o.key}`)}
          </option>
        ))}
        {!chosen && <option value={value}>{t("hooks.onError.unknown", { value })}</option>}
      </select>
    </Field>
  );
}
