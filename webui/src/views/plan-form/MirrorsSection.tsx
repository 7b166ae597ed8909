// The plan form's mirrors (cairn's own): repositories each new snapshot of the plan is copied to after
// its backup, each with a retention of its own. The plan's own repository and repositories shared by a
// hub (read-only here) cannot be mirrors.
import { create } from "@bufbuild/protobuf";
import { PlanMirrorSchema, type Plan, type PlanMirror, type Repo } from "@gen/v1/config_pb";
import { errorsUnder, type FieldErrors } from "../../api/errors";
import { Field } from "../../components/Field";
import { FormSection } from "../../components/FormKit";
import { RetentionEditor } from "../../components/RetentionEditor";
import { useTranslation } from "../../i18n";

export function MirrorsSection(props: { plan: Plan; repos: Repo[]; errors: FieldErrors; onChange: (mirrors: PlanMirror[]) => void }) {
  const { plan, repos, errors, onChange } = props;
  const { t } = useTranslation("plans");
  const others = repos.filter((r) => r.id !== plan.repo && !r.originInstanceId);
  const set = (i: number, m: PlanMirror) => onChange(plan.mirrors.map((x, j) => (j === i ? m : x)));
  return (
    <FormSection title={t("planForm.sections.mirrors")} hint={t("planForm.mirrorsHint")}>
      {plan.mirrors.map((m, i) => (
        <div key={i} className="stack" role="group" aria-label={t("planForm.mirror", { n: i + 1 })}>
          <Field label={t("planForm.mirrorRepository")} error={errors[`mirrors[${i}].repo`]}>
            <select value={m.repo} onChange={(e) => set(i, { ...m, repo: e.target.value })}>
              <option value="">{t("planForm.chooseRepository")}</option>
              {others.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.id}
                </option>
              ))}
            </select>
          </Field>
          <RetentionEditor
            value={m.retention}
            errors={errorsUnder(errors, `mirrors[${i}]`)}
            onChange={(retention) => set(i, { ...m, retention })}
          />
          <div>
            <button type="button" onClick={() => onChange(plan.mirrors.filter((_, j) => j !== i))}>
              {t("planForm.removeMirror", { n: i + 1 })}
            </button>
          </div>
        </div>
      ))}
      <div>
        <button
          type="button"
          disabled={!others.length}
          onClick={() => onChange([...plan.mirrors, create(PlanMirrorSchema, { repo: others[0]?.id ?? "" })])}
        >
          {t("planForm.addMirror")}
        </button>
      </div>
      {!others.length && <p className="muted small">{t("planForm.noMirrorRepository")}</p>}
    </FormSection>
  );
}
