// A fleet client seen from its hub: its session, its plans with their last backup and a button to run
// one there, its repositories with their upkeep tasks (fleet control; the client must have granted
// this hub the run-tasks permission, and says why when it has not), and its operations, live, with
// their logs read from the client.
import type { FleetInstance, FleetPlan } from "@gen/cairn/v1/cairn_pb";
import type { PeerState } from "@gen/v1sync/syncservice_pb";
import { OperationStatus } from "@gen/v1/operations_pb";
import { cairn } from "../../api/client";
import { ErrorBanner, StatusBadge } from "../../components/Status";
import { useAction } from "../../components/useAction";
import { useTranslation } from "../../i18n";
import { connectionLabel, connectionTone } from "../../lib/fleet";
import { formatRelative } from "../../lib/format";
import { usePeerStates } from "../../state/peerStates";
import { OperationTree } from "../OperationTree";
import { useFleet } from "./FleetDashboard";

const REPO_TASKS = ["index", "prune", "check", "verify", "stats", "unlock"] as const;

export function InstanceView({ keyid }: { keyid: string }) {
  const { t } = useTranslation("fleet");
  const { t: tc } = useTranslation("common");
  const { fleet, error } = useFleet();
  const { states } = usePeerStates();
  const instance = fleet?.instances.find((i) => i.keyid === keyid && !i.local);
  if (!fleet) return error ? <ErrorBanner error={error} /> : <p className="muted">{tc("loading")}</p>;
  if (!instance)
    return (
      <div className="card">
        <h1>{t("instance.unknown")}</h1>
        <p translate="no">{keyid}</p>
      </div>
    );
  return (
    <div className="stack">
      <ErrorBanner error={error} />
      <div className="spread">
        <div>
          <h1 className="no-margin" translate="no">
            {instance.instanceId}
          </h1>
          <div className="muted small">
            <span className={`badge tone-${connectionTone(instance.state)}`}>{connectionLabel(instance.state)}</span>{" "}
            {instance.lastHeartbeatMs > 0n
              ? t("peers.heartbeat", { when: formatRelative(instance.lastHeartbeatMs) })
              : t("peers.noHeartbeat")}
          </div>
        </div>
      </div>
      {instance.statusMessage && connectionTone(instance.state) !== "ok" && (
        <div className="small" data-server-text>
          {instance.statusMessage}
        </div>
      )}
      <section className="card stack" aria-label={t("instance.plans")}>
        <h2>{t("instance.plans")}</h2>
        {instance.plans.length === 0 && <p className="muted">{t("instance.noPlans")}</p>}
        <ul className="item-list">
          {instance.plans.map((p) => (
            <RemotePlan key={p.planId} instance={instance} plan={p} />
          ))}
        </ul>
      </section>
      <section className="card stack" aria-label={t("instance.repos")}>
        <h2>{t("instance.repos")}</h2>
        <RemoteRepos instance={instance} state={states.get(keyid)} />
      </section>
      <section className="stack" aria-label={t("instance.history")}>
        <h2>{t("instance.history")}</h2>
        <OperationTree selector={{ originalInstanceKeyid: keyid }} showPlan emptyText={t("instance.noOperations")} />
      </section>
    </div>
  );
}

function RemotePlan({ instance, plan }: { instance: FleetInstance; plan: FleetPlan }) {
  const { t } = useTranslation("fleet");
  const [run, busy] = useAction(
    () => cairn.runRemoteTask({ peerKeyid: instance.keyid, task: "backup", planId: plan.planId }),
    t("instance.backupStarted", { plan: plan.planId, instance: instance.instanceId }),
  );
  return (
    <li className="spread" aria-label={plan.planId}>
      <span>
        <strong translate="no">{plan.planId}</strong>{" "}
        {plan.lastStatus !== OperationStatus.STATUS_UNKNOWN ? (
          <>
            <StatusBadge status={plan.lastStatus} /> <span className="muted small">{formatRelative(plan.lastBackupMs)}</span>
          </>
        ) : (
          <span className="muted small">{t("dashboard.neverRun")}</span>
        )}
      </span>
      <button type="button" disabled={busy} onClick={() => void run()}>
        {t("instance.backupNow")}
      </button>
    </li>
  );
}

/** The client's repositories: those its config shared, else those its resources named. */
function RemoteRepos({ instance, state }: { instance: FleetInstance; state: PeerState | undefined }) {
  const { t } = useTranslation("fleet");
  const ids = [...new Set([...(state?.remoteConfig?.repos.map((r) => r.id) ?? []), ...(state?.knownRepos.map((r) => r.id) ?? [])])].sort();
  if (ids.length === 0) return <p className="muted">{t("instance.noRepos")}</p>;
  return (
    <ul className="item-list">
      {ids.map((id) => (
        <li key={id} className="spread" aria-label={id}>
          <strong translate="no">{id}</strong>
          <span className="row">
            {REPO_TASKS.map((task) => (
              <RemoteTaskButton key={task} instance={instance} repoId={id} task={task} />
            ))}
          </span>
        </li>
      ))}
    </ul>
  );
}

function RemoteTaskButton(props: { instance: FleetInstance; repoId: string; task: (typeof REPO_TASKS)[number] }) {
  const { t } = useTranslation("activity");
  const { t: tf } = useTranslation("fleet");
  const [run, busy] = useAction(
    () => cairn.runRemoteTask({ peerKeyid: props.instance.keyid, task: props.task, repoId: props.repoId }),
    tf("instance.taskStarted", { instance: props.instance.instanceId }),
  );
  return (
    <button type="button" disabled={busy} onClick={() => void run()}>
      {t(`repoView.tasks.${props.task}`)}
    </button>
  );
}
