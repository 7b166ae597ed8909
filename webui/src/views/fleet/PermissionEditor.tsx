// A peer's permissions: one row per grant, its kind and the scopes it covers (`*`, `repo:<id>`,
// `plan:<id>`, and `!` before either to leave it out), written as a comma-separated list.
import { create } from "@bufbuild/protobuf";
import { Multihost_PermissionSchema, type Multihost_Permission, type Multihost_Permission_Type } from "@gen/v1/config_pb";
import { PERMISSION_TYPES, permissionLabel } from "../../lib/fleet";
import { Trans, useTranslation } from "../../i18n";

const SCOPE_EXAMPLES = {
  all: <code translate="no">*</code>,
  repo: <code translate="no">repo:ID</code>,
  plan: <code translate="no">plan:ID</code>,
  not: <code translate="no">!</code>,
};

/** Scopes as typed (`plan:home, !repo:x`) → the list the config keeps. */
export function parseScopes(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function PermissionEditor(props: {
  value: Multihost_Permission[];
  onChange: (next: Multihost_Permission[]) => void;
  label: string;
}) {
  const { t } = useTranslation("fleet");
  const { value, onChange } = props;
  const set = (i: number, patch: { type?: Multihost_Permission_Type; scopes?: string[] }) =>
    onChange(
      value.map((p, j) =>
        j === i ? create(Multihost_PermissionSchema, { type: patch.type ?? p.type, scopes: patch.scopes ?? p.scopes }) : p,
      ),
    );
  const unused = PERMISSION_TYPES.find((ty) => !value.some((p) => p.type === ty));
  return (
    <fieldset className="stack permission-editor">
      <legend>{props.label}</legend>
      {value.length === 0 && <p className="muted small">{t("permissions.none")}</p>}
      {value.map((p, i) => (
        <div className="row" key={i}>
          <select aria-label={t("permissions.kind")} value={p.type} onChange={(e) => set(i, { type: Number(e.target.value) })}>
            {PERMISSION_TYPES.map((ty) => (
              <option key={ty} value={ty}>
                {permissionLabel(ty)}
              </option>
            ))}
          </select>
          <input
            aria-label={t("permissions.scopes")}
            placeholder={t("permissions.everything")}
            defaultValue={p.scopes.join(", ")}
            translate="no"
            onBlur={(e) => set(i, { scopes: parseScopes(e.target.value) })}
          />
          <button type="button" className="link" onClick={() => onChange(value.filter((_, j) => j !== i))}>
            {t("permissions.remove")}
          </button>
        </div>
      ))}
      <div className="row">
        {unused !== undefined && (
          <button type="button" onClick={() => onChange([...value, create(Multihost_PermissionSchema, { type: unused, scopes: ["*"] })])}>
            {t("permissions.add")}
          </button>
        )}
      </div>
      <p className="field-hint">
        <Trans t={t} i18nKey="permissions.scopesHint" components={SCOPE_EXAMPLES} />
      </p>
    </fieldset>
  );
}
