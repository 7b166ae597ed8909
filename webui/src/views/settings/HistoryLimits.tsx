// The history limits of the settings draft: one row per kind of operation with its max age, keep min
// and keep max; kinds without a row keep cairn's defaults.
import type { HistoryLimit } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { Field } from "../../components/Field";
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

/** The numbers of a row, in the order they are shown. */
const NUMBERS: { key: keyof LimitValues; label: string; min: number }[] = [
  { key: "maxAgeDays", label: "Max age (days)", min: 1 },
  { key: "keepMin", label: "Keep min", min: 0 },
  { key: "keepMax", label: "Keep max", min: 1 },
];

export function HistoryLimits(props: DraftSectionProps & { limits: HistoryLimit[] }) {
  const { limits, errors, edit } = props;
  const d0 = defaultLimit("default");
  const change = (fn: (rows: HistoryLimit[]) => HistoryLimit[]) =>
    edit((d) => {
      const c = settingsOf(d);
      c.historyLimits = fn(c.historyLimits);
    });

  return (
    <>
      <h3>History limits</h3>
      <p className="field-hint">
        How much operation history is kept, per plan and repository and per kind of operation: the newest <em>keep min</em> are always kept,
        anything beyond <em>keep max</em> is removed, and the rest once older than <em>max age</em>. Snapshots' own history stays while the
        snapshot exists. A kind without a row keeps the defaults: stats 365 days and 100, check and prune 365 days and 12, forget 30 days
        and 30, every other kind {d0.maxAgeDays} days and {d0.keepMax}, always at least the newest one. A row for “every other kind”
        replaces the last of these.
      </p>
      <div className="settings-limits">
        {limits.length === 0 && <p className="muted">No limits set: the defaults apply.</p>}
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
            Add limit
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
  const { limits, index, errors, onChange } = props;
  const l = limits[index];
  const p = `cairn.historyLimits[${index}]`;
  const known = (HISTORY_KINDS as readonly string[]).includes(l.kind);
  return (
    <fieldset className="limit-row">
      <legend>{kindLabel(l.kind)}</legend>
      <Field label="Kind" error={errors[`${p}.kind`] ?? errors[p]}>
        <select value={l.kind} onChange={(e) => onChange({ kind: e.target.value })}>
          {!known && <option value={l.kind}>{l.kind}</option>}
          {availableKinds(limits, index).map((k) => (
            <option key={k} value={k}>
              {kindLabel(k)}
            </option>
          ))}
        </select>
      </Field>
      {NUMBERS.map((n) => (
        <Field key={n.key} label={n.label} error={errors[`${p}.${n.key}`]}>
          <IntInput value={l[n.key]} min={n.min} onChange={(v) => onChange({ [n.key]: v })} />
        </Field>
      ))}
      <button type="button" onClick={props.onRemove}>
        Remove limit
      </button>
    </fieldset>
  );
}
