// The history limits of the settings draft: one row per kind of operation with its max age, keep min
// and keep max; kinds without a row keep cairn's defaults.
import type { HistoryLimit } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { Field } from "../../components/Field";
import { Trans, useTranslation } from "../../i18n";
import {
  HISTORY_KINDS,
  addLimit,
  availableKinds,
  defaultLimit,
  kindLabel,
  removeLimit,
  updateLimit,
  type LimitValues,
} from "../../lib/historyLimits";
import { IntInput } from "./IntInput";
import { settingsOf, type DraftSectionProps } from "./settingsForm";

/** The numbers of a row, in the order they are shown (each labelled by the catalogue key of its name). */
const NUMBERS: { key: keyof LimitValues; min: number }[] = [
  { key: "maxAgeDays", min: 1 },
  { key: "keepMin", min: 0 },
  { key: "keepMax", min: 1 },
];

export function HistoryLimits(props: DraftSectionProps & { limits: HistoryLimit[] }) {
  const { t } = useTranslation("settings");
  const { limits, errors, edit } = props;
  const d0 = defaultLimit("default");
  const change = (fn: (rows: HistoryLimit[]) => HistoryLimit[]) =>
    edit((d) => {
      const c = settingsOf(d);
      c.historyLimits = fn(c.historyLimits);
    });

  return (
    <>
      <h3>{t("history.title")}</h3>
      <p className="field-hint">
        <Trans t={t} i18nKey="history.intro" values={{ days: d0.maxAgeDays, keep: d0.keepMax }} components={{ em: <em /> }} />
      </p>
      <div className="settings-limits">
        {limits.length === 0 && <p className="muted">{t("history.none")}</p>}
        {limits.map((_, i) => (
          <LimitRow
            key={i}
            limits={limits}
            index={i}
            errors={errors}
            onChange={(patch) => change((rows) => updateLimit(rows, i, patch))}
            onRemove={() => change((rows) => removeLimit(rows, i))}
          />
        ))}
        <div className="row">
          <button type="button" disabled={availableKinds(limits).length === 0} onClick={() => change(addLimit)}>
            {t("history.add")}
          </button>
        </div>
      </div>
    </>
  );
}

function LimitRow(props: {
  limits: HistoryLimit[];
  index: number;
  errors: FieldErrors;
  onChange: (patch: Partial<LimitValues & { kind: string }>) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation("settings");
  const { limits, index, errors, onChange } = props;
  const l = limits[index];
  const p = `cairn.historyLimits[${index}]`;
  const known = (HISTORY_KINDS as readonly string[]).includes(l.kind);
  return (
    <fieldset className="limit-row">
      <legend translate={known ? undefined : "no"}>{kindLabel(l.kind)}</legend>
      <Field label={t("history.kind")} error={errors[`${p}.kind`] ?? errors[p]}>
        <select value={l.kind} onChange={(e) => onChange({ kind: e.target.value })}>
          {!known && (
            <option value={l.kind} translate="no">
              {l.kind}
            </option>
          )}
          {availableKinds(limits, index).map((k) => (
            <option key={k} value={k}>
              {kindLabel(k)}
            </option>
          ))}
        </select>
      </Field>
      {NUMBERS.map((n) => (
        <Field key={n.key} label={t(`history.${n.key}`)} error={errors[`${p}.${n.key}`]}>
          <IntInput value={l[n.key]} min={n.min} onChange={(v) => onChange({ [n.key]: v })} />
        </Field>
      ))}
      <button type="button" onClick={props.onRemove}>
        {t("history.remove")}
      </button>
    </fieldset>
  );
}
