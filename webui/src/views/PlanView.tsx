// One plan: what it backs up and when, buttons to back up now (or as a dry run), apply retention now,
// edit it or clear its failed history, and its operation history as a live tree.
import { useState } from "react";
import { backrest, cairn } from "../api/client";
import { useConfig } from "../state/config";
import { useAction } from "../components/useAction";
import { Confirm } from "../components/Modal";
import { describeSchedule } from "../lib/schedule";
import { formatCount } from "../lib/format";
import { OperationTree } from "./OperationTree";
import { PlanForm } from "./PlanForm";
import { href } from "../lib/router";
import { Missing } from "./Missing";
import { useTranslation } from "../i18n";

/** This instance's own operations of a plan: on a hub, not its clients' plans of the same name. */
const own = (planId: string) => ({ planId, originalInstanceKeyid: "" });

export function PlanView({ planId }: { planId: string }) {
  const { t } = useTranslation("activity");
  const { config } = useConfig();
  const plan = config?.plans.find((p) => p.id === planId);
  const [editing, setEditing] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  const [backup, backingUp] = useAction((dryRun: boolean) => cairn.startBackup({ value: planId, dryRun }), t("planView.backupQueued"));
  const [forget, forgetting] = useAction(() => backrest.forget({ planId, repoId: plan?.repo ?? "" }), t("planView.retentionQueued"));
  const [clear] = useAction(() => backrest.clearHistory({ selector: own(planId), onlyFailed: true }), t("planView.failedCleared"));

  // The history does not wait for the config: the plan's id is all it needs.
  if (config && !plan) return <Missing what="plan" id={planId} />;
  return (
    <div className="stack">
      <div className="spread">
        <h1 className="no-margin">{t("planView.title", { id: planId })}</h1>
        <div className="row">
          <button type="button" className="primary" disabled={backingUp || !plan} onClick={() => void backup(false)}>
            {t("planView.backupNow")}
          </button>
          <button type="button" disabled={backingUp || !plan} onClick={() => void backup(true)}>
            {t("planView.dryRun")}
          </button>
          <button type="button" disabled={forgetting || !plan} onClick={() => void forget()}>
            {t("planView.applyRetention")}
          </button>
          <button type="button" disabled={!plan} onClick={() => setEditing(true)}>
            {t("planView.edit")}
          </button>
          <button type="button" onClick={() => setConfirmClear(true)}>
            {t("planView.clearFailed")}
          </button>
        </div>
      </div>
      {plan && (
        <dl className="kv small card">
          <dt>{t("planView.repository")}</dt>
          <dd translate="no">
            <a href={href({ name: "repo", id: plan.repo })}>{plan.repo}</a>
          </dd>
          <dt>{t("planView.paths")}</dt>
          <dd className="mono" translate="no">
            {plan.paths.join(", ")}
          </dd>
          {plan.excludes.length > 0 && (
            <>
              <dt>{t("planView.excludes")}</dt>
              <dd className="mono" translate="no">
                {plan.excludes.join(", ")}
              </dd>
            </>
          )}
          <dt>{t("planView.schedule")}</dt>
          <dd>{describeSchedule(plan.schedule)}</dd>
          <dt>{t("planView.hooks")}</dt>
          <dd>{plan.hooks.length ? formatCount(plan.hooks.length) : t("planView.noHooks")}</dd>
        </dl>
      )}
      <OperationTree selector={own(planId)} emptyText={t("planView.empty", { button: t("planView.backupNow") })} />
      {editing && plan && <PlanForm planId={plan.id} onClose={() => setEditing(false)} />}
      {confirmClear && (
        <Confirm
          title={t("planView.clearTitle")}
          message={t("planView.clearMessage")}
          confirmLabel={t("planView.clear")}
          onCancel={() => setConfirmClear(false)}
          onConfirm={() => {
            setConfirmClear(false);
            void clear();
          }}
        />
      )}
    </div>
  );
}
