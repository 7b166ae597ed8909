// The "Add plan" / "Edit plan" dialog: what to back up, to which repository, when, what to keep, and
// the plan's hooks. Saving writes the whole config through SetConfig (with the modno it was read at).
import { useState } from "react";
import { clone, create } from "@bufbuild/protobuf";
import { ConfigSchema, PlanSchema, ScheduleSchema, Schedule_Clock, type Config, type Plan } from "@gen/v1/config_pb";
import type { FieldErrors } from "../api/errors";
import { Trans, i18n, useTranslation } from "../i18n";
import { useActivity } from "../state/activity";
import { useConfig } from "../state/config";
import { Confirm, Modal } from "../components/Modal";
import { unsavedGuard } from "../components/closeGuard";
import { Field, LinesInput } from "../components/Field";
import { PathInput } from "../components/PathInput";
import { Check, FormBanner, FormSection, FormUnavailable, useDeleteConfirmation } from "../components/FormKit";
import { ScheduleEditor } from "../components/ScheduleEditor";
import { RetentionEditor, defaultRetention } from "../components/RetentionEditor";
import { MirrorsSection } from "./plan-form/MirrorsSection";
import { HookEditor } from "../components/HookEditor";
import { cleanHooks } from "../components/hooks/hookValues";
import { NoTranslate } from "../components/hooks/HookInputs";
import { notify } from "../components/Toasts";
import { lastBackupEndMs } from "../lib/lastRun";
import { same, useReportedErrors } from "../lib/reportedErrors";
import { describeSchedule } from "../lib/schedule";
import { isStaleModno } from "../lib/settingsDraft";
import { displayUri } from "../lib/uri";
import {
  LOCAL_ERRORS_BANNER,
  cleanLines,
  currentBanner,
  flagErrors,
  linesError,
  mapServerErrors,
  newIdError,
  scheduleEnabled,
  sortLikeServer,
} from "../lib/formErrors";
import "./forms.css";

function displayed(retentionShown: boolean): RegExp[] {
  return [
    /^id$/,
    /^repo$/,
    /^paths(\[\d+\])?$/,
    /^excludes(\[\d+\])?$/,
    /^iexcludes(\[\d+\])?$/,
    /^schedule(\..+)?$/,
    ...(retentionShown ? [/^retention(\..+)?$/] : []),
    /^hooks\[\d+\](\..+)?$/,
    /^backupFlags(\[\d+\])?$/,
  ];
}

const EXCLUDE_EXAMPLES = { a: "*.tmp", b: "/home/*/.cache" };
const FLAG_EXAMPLES = { command: "restic backup", a: "--one-file-system", b: "--exclude-larger-than=2G" };

function newPlan(repo: string): Plan {
  return create(PlanSchema, {
    repo,
    paths: [""],
    schedule: create(ScheduleSchema, { schedule: { case: "cron", value: "0 * * * *" }, clock: Schedule_Clock.LOCAL }),
    retention: defaultRetention(),
  });
}

/** The plan as it is sent: trimmed, blank lines dropped, paths sorted as the server sorts them. */
function normalize(p: Plan): Plan {
  return {
    ...p,
    id: p.id.trim(),
    paths: sortLikeServer(cleanLines(p.paths)),
    excludes: cleanLines(p.excludes),
    iexcludes: cleanLines(p.iexcludes),
    backupFlags: cleanLines(p.backupFlags),
    hooks: cleanHooks(p.hooks),
  };
}

function validate(p: Plan, editing: boolean, config: Config): FieldErrors {
  const e: FieldErrors = {};
  const taken = config.plans.map((x) => x.id);
  const idErr = editing ? undefined : newIdError("plan", p.id, taken);
  if (idErr) e.id = idErr;
  if (!p.repo) e.repo = i18n.t("plans:planForm.errors.repo");
  if (p.paths.length === 0 && p.backupFlags.length === 0) e.paths = i18n.t("plans:planForm.errors.paths");
  // A relative path is not refused (Backrest accepts it): the server saves it with a warning.
  Object.assign(e, flagErrors("backupFlags", p.backupFlags));
  return e;
}

export function PlanForm(props: { planId?: string; onClose: () => void; onSaved?: (planId: string) => void }) {
  const { config } = useConfig();
  const { t } = useTranslation("plans");
  const editing = props.planId !== undefined;
  const title = editing ? t("planForm.editTitle", { id: props.planId }) : t("planForm.addTitle");
  if (!config) return <FormUnavailable title={title} onClose={props.onClose} />;
  const existing = editing ? config.plans.find((p) => p.id === props.planId) : undefined;
  if (editing && !existing) {
    return <FormUnavailable title={title} onClose={props.onClose} missing={{ kind: "plan", id: props.planId ?? "" }} />;
  }
  const initial = existing ? clone(PlanSchema, existing) : newPlan(config.repos[0]?.id ?? "");
  if (initial.paths.length === 0) initial.paths = [""];
  return <PlanFormBody {...props} title={title} config={config} initial={initial} />;
}

function PlanFormBody(props: {
  title: string;
  config: Config;
  initial: Plan;
  planId?: string;
  onClose: () => void;
  onSaved?: (planId: string) => void;
}) {
  const { config, title } = props;
  const { t } = useTranslation("plans");
  const { t: tc } = useTranslation("common");
  const { save: saveConfig, reload } = useConfig();
  const editing = props.planId !== undefined;
  const [initial] = useState(props.initial);
  const [plan, setPlan] = useState<Plan>(initial);
  const { errors, report } = useReportedErrors(plan);
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const deletion = useDeleteConfirmation(props.onClose);
  const lastRunMs = lastBackupEndMs(useActivity().dashboard, props.planId);

  const patch = (p: Partial<Plan>) => setPlan((x) => ({ ...x, ...p }));
  const repo = config.repos.find((r) => r.id === plan.repo);
  const repoForgets = scheduleEnabled(repo?.forgetPolicy?.schedule);

  /**
   * Saves `next` (the whole config); on a refusal maps the errors of the plan at `index` to fields,
   * as found for `sent`, the plan as the form showed it then.
   */
  const write = async (next: Config, index: number, sent: Plan, done: string) => {
    setBusy(true);
    try {
      await saveConfig(next);
      notify(done);
      return true;
    } catch (e) {
      if (isStaleModno(e)) {
        await reload();
        report({}, sent);
        setBanner(i18n.t("plans:planForm.stale"));
      } else {
        const mapped = mapServerErrors(e, index >= 0 ? [`plans[${index}]`] : [], displayed(!repoForgets));
        report(mapped.fields, sent);
        setBanner(mapped.banner);
      }
      return false;
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    const candidate = normalize(plan);
    const shown = { ...candidate, paths: candidate.paths.length ? candidate.paths : [""] };
    setPlan(shown);
    const local = validate(candidate, editing, config);
    report(local, shown);
    if (Object.keys(local).length > 0) {
      setBanner(LOCAL_ERRORS_BANNER);
      return;
    }
    setBanner(null);
    const next = clone(ConfigSchema, config);
    const at = editing ? next.plans.findIndex((p) => p.id === props.planId) : -1;
    const index = at >= 0 ? at : next.plans.length;
    next.plans[index] = candidate;
    const done = i18n.t(editing ? "plans:planForm.saved" : "plans:planForm.added", { id: candidate.id });
    if (await write(next, index, shown, done)) {
      props.onSaved?.(candidate.id);
      props.onClose();
    }
  };

  const remove = async () => {
    deletion.setConfirming(false);
    const next = clone(ConfigSchema, config);
    next.plans = next.plans.filter((p) => p.id !== props.planId);
    if (await write(next, -1, plan, i18n.t("plans:planForm.deleted", { id: props.planId ?? "" }))) props.onClose();
  };

  const setPath = (i: number, v: string) => patch({ paths: plan.paths.map((p, j) => (j === i ? v : p)) });
  const removePath = (i: number) => {
    const paths = plan.paths.filter((_, j) => j !== i);
    patch({ paths: paths.length ? paths : [""] });
  };

  const footer = (
    <>
      {editing && (
        <button type="button" className="danger foot-left" disabled={busy} onClick={() => deletion.setConfirming(true)}>
          {tc("delete")}
        </button>
      )}
      <button type="button" onClick={deletion.close}>
        {tc("cancel")}
      </button>
      <button type="button" className="primary" disabled={busy} aria-busy={busy} onClick={() => void save()}>
        {tc("save")}
      </button>
    </>
  );

  return (
    <Modal title={title} onClose={deletion.close} footer={footer} wide guard={unsavedGuard(!same(plan, initial))}>
      <div className="stack">
        <FormBanner text={currentBanner(banner, errors)} />
        {config.repos.length === 0 && (
          <div className="banner banner-info" role="note">
            {t("planForm.noRepository")}
          </div>
        )}

        <FormSection title={t("planForm.sections.plan")}>
          <div className="grid-2">
            <Field label={t("planForm.name")} error={errors.id} hint={editing ? t("planForm.nameFixed") : t("planForm.nameHint")}>
              <input
                type="text"
                translate="no"
                value={plan.id}
                readOnly={editing}
                autoComplete="off"
                spellCheck={false}
                placeholder="documents"
                onChange={(e) => patch({ id: e.target.value })}
              />
            </Field>
            <Field
              label={t("planForm.repository")}
              error={errors.repo}
              hint={repo ? <span translate="no">{displayUri(repo.uri)}</span> : undefined}
            >
              <select value={plan.repo} onChange={(e) => patch({ repo: e.target.value })}>
                {!repo && (
                  <option value={plan.repo}>
                    {plan.repo ? t("planForm.repositoryMissing", { id: plan.repo }) : t("planForm.chooseRepository")}
                  </option>
                )}
                {config.repos.map((r) => (
                  <option key={r.id} value={r.id} translate="no">
                    {r.id}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </FormSection>

        <FormSection title={t("planForm.sections.paths")}>
          <div className="path-list">
            {plan.paths.map((p, i) => (
              <div className="path-row" key={i}>
                <Field label={t("planForm.path", { n: i + 1 })} error={errors[`paths[${i}]`]}>
                  <NoTranslate>
                    <PathInput value={p} onChange={(v) => setPath(i, v)} placeholder="/home/me/Documents" />
                  </NoTranslate>
                </Field>
                <button type="button" title={t("planForm.removePath", { n: i + 1 })} onClick={() => removePath(i)}>
                  {tc("remove")}
                </button>
              </div>
            ))}
            {errors.paths && (
              <div className="field-error" role="alert">
                {errors.paths}
              </div>
            )}
            <div>
              <button type="button" onClick={() => patch({ paths: [...plan.paths, ""] })}>
                {t("planForm.addPath")}
              </button>
            </div>
          </div>
          <div className="grid-2">
            <Field
              label={t("planForm.excludes")}
              error={linesError(errors, "excludes")}
              hint={<Trans t={t} i18nKey="planForm.excludesHint" values={EXCLUDE_EXAMPLES} components={{ code: <code /> }} />}
            >
              <NoTranslate>
                <LinesInput value={plan.excludes} onChange={(excludes) => patch({ excludes })} placeholder="*.tmp" />
              </NoTranslate>
            </Field>
            <Field
              label={t("planForm.iexcludes")}
              error={linesError(errors, "iexcludes")}
              hint={t("planForm.iexcludesHint", { flag: "--iexclude" })}
            >
              <NoTranslate>
                <LinesInput value={plan.iexcludes} onChange={(iexcludes) => patch({ iexcludes })} placeholder="*.DS_Store" />
              </NoTranslate>
            </Field>
          </div>
        </FormSection>

        <FormSection title={t("planForm.sections.schedule")}>
          <ScheduleEditor value={plan.schedule} errors={errors} lastRunMs={lastRunMs} onChange={(schedule) => patch({ schedule })} />
        </FormSection>

        <FormSection title={t("planForm.sections.retention")}>
          {repoForgets && repo ? (
            <p className="banner banner-info" role="note">
              {t("planForm.repoForgets", { id: repo.id, schedule: describeSchedule(repo.forgetPolicy?.schedule) })}
            </p>
          ) : (
            <RetentionEditor value={plan.retention} errors={errors} onChange={(retention) => patch({ retention })} />
          )}
        </FormSection>

        <MirrorsSection plan={plan} repos={config.repos} errors={errors} onChange={(mirrors) => patch({ mirrors })} />

        <FormSection title={t("planForm.sections.options")}>
          <Check
            label={t("planForm.skipIfUnchanged")}
            checked={plan.skipIfUnchanged}
            onChange={(skipIfUnchanged) => patch({ skipIfUnchanged })}
            hint={t("planForm.skipIfUnchangedHint")}
          />
          <Field
            label={t("planForm.backupFlags")}
            error={linesError(errors, "backupFlags")}
            hint={<Trans t={t} i18nKey="planForm.backupFlagsHint" values={FLAG_EXAMPLES} components={{ code: <code /> }} />}
          >
            <NoTranslate>
              <LinesInput value={plan.backupFlags} onChange={(backupFlags) => patch({ backupFlags })} placeholder="--one-file-system" />
            </NoTranslate>
          </Field>
        </FormSection>

        <FormSection title={t("planForm.sections.hooks")} hint={t("planForm.hooksHint")}>
          <HookEditor hooks={plan.hooks} errors={errors} onChange={(hooks) => patch({ hooks })} />
        </FormSection>
      </div>

      {deletion.confirming && (
        <Confirm
          title={t("planForm.deleteTitle", { id: props.planId ?? "" })}
          danger
          confirmLabel={t("planForm.deleteConfirm")}
          onCancel={deletion.cancel}
          onConfirm={() => void remove()}
          message={t("planForm.deleteMessage")}
        />
      )}
    </Modal>
  );
}
