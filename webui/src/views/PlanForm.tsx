// The "Add plan" / "Edit plan" dialog: what to back up, to which repository, when, what to keep, and
// the plan's hooks. Saving writes the whole config through SetConfig (with the modno it was read at).
import { useState } from "react";
import { clone, create } from "@bufbuild/protobuf";
import { ConfigSchema, PlanSchema, ScheduleSchema, Schedule_Clock, type Config, type Plan } from "@gen/v1/config_pb";
import type { FieldErrors } from "../api/errors";
import { useActivity } from "../state/activity";
import { useConfig } from "../state/config";
import { Confirm, Modal } from "../components/Modal";
import { unsavedGuard } from "../components/closeGuard";
import { Field, LinesInput } from "../components/Field";
import { PathInput } from "../components/PathInput";
import { Check, FormBanner, FormSection, FormUnavailable, useDeleteConfirmation } from "../components/FormKit";
import { ScheduleEditor } from "../components/ScheduleEditor";
import { RetentionEditor, defaultRetention } from "../components/RetentionEditor";
import { HookEditor } from "../components/HookEditor";
import { cleanHooks } from "../components/hooks/hookValues";
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
  if (!p.repo) e.repo = "Choose the repository to back up to.";
  if (p.paths.length === 0 && p.backupFlags.length === 0) e.paths = "Give at least one path to back up.";
  // A relative path is not refused (Backrest accepts it): the server saves it with a warning.
  Object.assign(e, flagErrors("backupFlags", p.backupFlags));
  return e;
}

export function PlanForm(props: { planId?: string; onClose: () => void; onSaved?: (planId: string) => void }) {
  const { config } = useConfig();
  const editing = props.planId !== undefined;
  const title = editing ? `Edit plan ${props.planId}` : "Add plan";
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
        setBanner("The configuration was changed elsewhere in the meantime and has been reloaded. Save again to apply your changes.");
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
    if (await write(next, index, shown, editing ? `Plan ${candidate.id} saved` : `Plan ${candidate.id} added`)) {
      props.onSaved?.(candidate.id);
      props.onClose();
    }
  };

  const remove = async () => {
    deletion.setConfirming(false);
    const next = clone(ConfigSchema, config);
    next.plans = next.plans.filter((p) => p.id !== props.planId);
    if (await write(next, -1, plan, `Plan ${props.planId ?? ""} deleted; its history is kept`)) props.onClose();
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
          Delete
        </button>
      )}
      <button type="button" onClick={deletion.close}>
        Cancel
      </button>
      <button type="button" className="primary" disabled={busy} aria-busy={busy} onClick={() => void save()}>
        Save
      </button>
    </>
  );

  return (
    <Modal title={title} onClose={deletion.close} footer={footer} wide guard={unsavedGuard(!same(plan, initial))}>
      <div className="stack">
        <FormBanner text={currentBanner(banner, errors)} />
        {config.repos.length === 0 && (
          <div className="banner banner-info" role="note">
            There is no repository yet: add one first, then a plan that backs up to it.
          </div>
        )}

        <FormSection title="Plan">
          <div className="grid-2">
            <Field
              label="Plan name"
              error={errors.id}
              hint={editing ? "The name cannot be changed." : "Letters, digits, '_', '-' and '.'."}
            >
              <input
                type="text"
                value={plan.id}
                readOnly={editing}
                autoComplete="off"
                spellCheck={false}
                placeholder="documents"
                onChange={(e) => patch({ id: e.target.value })}
              />
            </Field>
            <Field label="Repository" error={errors.repo} hint={repo ? displayUri(repo.uri) : undefined}>
              <select value={plan.repo} onChange={(e) => patch({ repo: e.target.value })}>
                {!repo && <option value={plan.repo}>{plan.repo ? `${plan.repo} (missing)` : "Choose a repository"}</option>}
                {config.repos.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.id}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </FormSection>

        <FormSection title="What to back up">
          <div className="path-list">
            {plan.paths.map((p, i) => (
              <div className="path-row" key={i}>
                <Field label={`Path ${i + 1}`} error={errors[`paths[${i}]`]}>
                  <PathInput value={p} onChange={(v) => setPath(i, v)} placeholder="/home/me/Documents" />
                </Field>
                <button type="button" title={`Remove path ${i + 1}`} onClick={() => removePath(i)}>
                  Remove
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
                Add path
              </button>
            </div>
          </div>
          <div className="grid-2">
            <Field
              label="Excludes"
              error={linesError(errors, "excludes")}
              hint={
                <>
                  restic exclude patterns, one per line, e.g. <code>*.tmp</code> or <code>/home/*/.cache</code>.
                </>
              }
            >
              <LinesInput value={plan.excludes} onChange={(excludes) => patch({ excludes })} placeholder="*.tmp" />
            </Field>
            <Field label="Case-insensitive excludes" error={linesError(errors, "iexcludes")} hint="The same, ignoring case (--iexclude).">
              <LinesInput value={plan.iexcludes} onChange={(iexcludes) => patch({ iexcludes })} placeholder="*.DS_Store" />
            </Field>
          </div>
        </FormSection>

        <FormSection title="Schedule">
          <ScheduleEditor value={plan.schedule} errors={errors} lastRunMs={lastRunMs} onChange={(schedule) => patch({ schedule })} />
        </FormSection>

        <FormSection title="Retention">
          {repoForgets && repo ? (
            <p className="banner banner-info" role="note">
              Repository {repo.id} forgets old snapshots on its own schedule ({describeSchedule(repo.forgetPolicy?.schedule)}), so this
              plan&apos;s retention is not used. Change it in the repository&apos;s forget policy.
            </p>
          ) : (
            <RetentionEditor value={plan.retention} errors={errors} onChange={(retention) => patch({ retention })} />
          )}
        </FormSection>

        <FormSection title="Options">
          <Check
            label="Skip if unchanged"
            checked={plan.skipIfUnchanged}
            onChange={(skipIfUnchanged) => patch({ skipIfUnchanged })}
            hint="Keep no new snapshot when nothing changed since the last one."
          />
          <Field
            label="Backup flags"
            error={linesError(errors, "backupFlags")}
            hint={
              <>
                Extra options for <code>restic backup</code>, one per line, e.g. <code>--one-file-system</code> or{" "}
                <code>--exclude-larger-than=2G</code>.
              </>
            }
          >
            <LinesInput value={plan.backupFlags} onChange={(backupFlags) => patch({ backupFlags })} placeholder="--one-file-system" />
          </Field>
        </FormSection>

        <FormSection title="Hooks" hint="Plan hooks run after the repository's hooks, for this plan's backups and their forget.">
          <HookEditor hooks={plan.hooks} errors={errors} onChange={(hooks) => patch({ hooks })} />
        </FormSection>
      </div>

      {deletion.confirming && (
        <Confirm
          title={`Delete plan ${props.planId ?? ""}?`}
          danger
          confirmLabel="Delete plan"
          onCancel={deletion.cancel}
          onConfirm={() => void remove()}
          message="The plan is removed from the configuration and stops running. Its snapshots and its operation history are kept."
        />
      )}
    </Modal>
  );
}
