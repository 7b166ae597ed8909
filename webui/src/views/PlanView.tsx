// One plan: what it backs up and when, buttons to back up now (or as a dry run), apply retention now,
// edit it or clear its failed history, and its operation history as a live tree.
import { useState } from "react";
import { backrest, cairn } from "../api/client";
import { useConfig } from "../state/config";
import { useAction } from "../components/useAction";
import { Confirm } from "../components/Modal";
import { describeSchedule } from "../lib/schedule";
import { OperationTree } from "./OperationTree";
import { PlanForm } from "./PlanForm";
import { href } from "../lib/router";
import { Missing } from "./Missing";

export function PlanView({ planId }: { planId: string }) {
  const { config } = useConfig();
  const plan = config?.plans.find((p) => p.id === planId);
  const [editing, setEditing] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  const [backup, backingUp] = useAction((dryRun: boolean) => cairn.startBackup({ value: planId, dryRun }), "Backup queued");
  const [forget, forgetting] = useAction(() => backrest.forget({ planId, repoId: plan?.repo ?? "" }), "Retention queued");
  const [clear] = useAction(() => backrest.clearHistory({ selector: { planId }, onlyFailed: true }), "Failed runs removed from history");

  // The history does not wait for the config: the plan's id is all it needs.
  if (config && !plan) return <Missing what="plan" id={planId} />;
  return (
    <div className="stack">
      <div className="spread">
        <h1 className="no-margin">Plan {planId}</h1>
        <div className="row">
          <button type="button" className="primary" disabled={backingUp || !plan} onClick={() => void backup(false)}>
            Backup now
          </button>
          <button type="button" disabled={backingUp || !plan} onClick={() => void backup(true)}>
            Dry run
          </button>
          <button type="button" disabled={forgetting || !plan} onClick={() => void forget()}>
            Apply retention
          </button>
          <button type="button" disabled={!plan} onClick={() => setEditing(true)}>
            Edit plan
          </button>
          <button type="button" onClick={() => setConfirmClear(true)}>
            Clear failed history
          </button>
        </div>
      </div>
      {plan && (
        <dl className="kv small card">
          <dt>Repository</dt>
          <dd>
            <a href={href({ name: "repo", id: plan.repo })}>{plan.repo}</a>
          </dd>
          <dt>Paths</dt>
          <dd className="mono">{plan.paths.join(", ")}</dd>
          {plan.excludes.length > 0 && (
            <>
              <dt>Excludes</dt>
              <dd className="mono">{plan.excludes.join(", ")}</dd>
            </>
          )}
          <dt>Schedule</dt>
          <dd>{describeSchedule(plan.schedule)}</dd>
          <dt>Hooks</dt>
          <dd>{plan.hooks.length || "none"}</dd>
        </dl>
      )}
      <OperationTree selector={{ planId }} emptyText="No backups yet: press “Backup now”." />
      {editing && plan && <PlanForm planId={plan.id} onClose={() => setEditing(false)} />}
      {confirmClear && (
        <Confirm
          title="Clear failed history?"
          message="Every failed operation of this plan is removed from the history. Snapshots are not touched."
          confirmLabel="Clear"
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
