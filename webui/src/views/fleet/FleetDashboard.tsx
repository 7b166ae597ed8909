// The fleet dashboard: every instance (this one and each authorised client) with its session state
// and last heartbeat, and for each of its plans the last backup, the next run and the failures of the
// last 30 days; re-read every few seconds and whenever a peer's state or a running task changes, and
// filterable to the failing instances.
import { useCallback, useEffect, useState } from "react";
import type { FleetDashboard as Fleet, FleetInstance, FleetPlan } from "@gen/cairn/v1/cairn_pb";
import { OperationStatus } from "@gen/v1/operations_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { ErrorBanner, StatusBadge } from "../../components/Status";
import { useTranslation } from "../../i18n";
import { connectionLabel, connectionTone, instanceFailing, planFailing } from "../../lib/fleet";
import { formatCount, formatRelative } from "../../lib/format";
import { href } from "../../lib/router";
import { useActivity } from "../../state/activity";
import { usePeerStates } from "../../state/peerStates";

const REFRESH_MS = 10_000;

/** The fleet dashboard, re-read on a timer and on every change the page hears of. */
export function useFleet(): { fleet: Fleet | null; error: string | null } {
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { states } = usePeerStates();
  const { running } = useActivity();
  const load = useCallback(() => {
    cairn
      .getFleetDashboard({})
      .then((f) => {
        setFleet(f);
        setError(null);
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(() => {
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  const runningKey = running.map((o) => `${o.id}`).join(",");
  useEffect(load, [load, states, runningKey]);
  return { fleet, error };
}

export function FleetDashboardPage() {
  const { t } = useTranslation("fleet");
  const { fleet, error } = useFleet();
  const [onlyFailing, setOnlyFailing] = useState(false);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const all = fleet?.instances ?? [];
  const failing = all.filter(instanceFailing);
  const shown = onlyFailing ? failing : all;
  return (
    <div className="stack">
      <h1>{t("dashboard.title")}</h1>
      <ErrorBanner error={error} />
      <div className={`card hero hero-${failing.length ? "err" : all.length ? "ok" : "off"}`}>
        <div className="hero-title">
          {failing.length
            ? t("dashboard.failing", { count: failing.length })
            : all.some((i) => i.plans.some((p) => p.lastStatus !== OperationStatus.STATUS_UNKNOWN))
              ? t("dashboard.allOk")
              : t("dashboard.noneRun")}
        </div>
        <div className="muted">{t("dashboard.summary", { count: all.length })}</div>
      </div>
      <label className="row">
        <input type="checkbox" checked={onlyFailing} onChange={(e) => setOnlyFailing(e.target.checked)} /> {t("dashboard.onlyFailing")}
      </label>
      {fleet && all.length === 1 && (
        <p className="muted">
          {t("dashboard.noClients")} <a href={href({ name: "peers" })}>{t("dashboard.pairLink")}</a>
        </p>
      )}
      {onlyFailing && shown.length === 0 && <p className="muted">{t("dashboard.noneFailing")}</p>}
      <div className="stack">
        {shown.map((i) => (
          <InstanceCard key={i.keyid || "local"} instance={i} now={now} />
        ))}
      </div>
    </div>
  );
}

function InstanceCard({ instance, now }: { instance: FleetInstance; now: number }) {
  const { t } = useTranslation("fleet");
  const tone = connectionTone(instance.state);
  const link = instance.local ? href({ name: "dashboard" }) : href({ name: "instance", keyid: instance.keyid });
  return (
    <section className={`card stack${instanceFailing(instance) ? " card-failing" : ""}`} aria-label={instance.instanceId}>
      <div className="spread">
        <h2 className="card-title">
          <a href={link} translate="no">
            {instance.instanceId}
          </a>{" "}
          {instance.local && <span className="muted small">{t("dashboard.thisInstance")}</span>}
        </h2>
        <span>
          <span className={`badge tone-${tone}`}>{connectionLabel(instance.state)}</span>{" "}
          {!instance.local && (
            <span className="muted small">
              {instance.lastHeartbeatMs > 0n
                ? t("peers.heartbeat", { when: formatRelative(instance.lastHeartbeatMs, now) })
                : t("peers.noHeartbeat")}
            </span>
          )}
        </span>
      </div>
      {instance.statusMessage && tone !== "ok" && (
        <div className="small" data-server-text>
          {instance.statusMessage}
        </div>
      )}
      {instance.plans.length === 0 ? (
        <p className="muted small">{t(instance.local ? "dashboard.noLocalPlans" : "dashboard.noPlans")}</p>
      ) : (
        <table className="fleet-plans">
          <thead>
            <tr>
              <th>{t("dashboard.plan")}</th>
              <th>{t("dashboard.lastBackup")}</th>
              <th>{t("dashboard.nextRun")}</th>
              <th>{t("dashboard.failures")}</th>
            </tr>
          </thead>
          <tbody>
            {instance.plans.map((p) => (
              <PlanRow key={p.planId} plan={p} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PlanRow({ plan, now }: { plan: FleetPlan; now: number }) {
  const { t } = useTranslation("fleet");
  const ran = plan.lastStatus !== OperationStatus.STATUS_UNKNOWN;
  return (
    <tr className={planFailing(plan) ? "failing" : undefined}>
      <td>
        <span translate="no">{plan.planId}</span>
        {plan.repoId && (
          <span className="muted small">
            {" → "}
            <span translate="no">{plan.repoId}</span>
          </span>
        )}
      </td>
      <td>
        {ran ? (
          <>
            <StatusBadge status={plan.lastStatus} /> {formatRelative(plan.lastBackupMs, now)}
            {plan.lastMessage && (
              <div className="small muted" data-server-text>
                {plan.lastMessage}
              </div>
            )}
          </>
        ) : (
          <span className="muted">{t("dashboard.neverRun")}</span>
        )}
      </td>
      <td>
        {plan.nextBackupMs > 0n ? formatRelative(plan.nextBackupMs, now) : <span className="muted">{t("dashboard.notScheduled")}</span>}
      </td>
      <td>{formatCount(plan.failures30days)}</td>
    </tr>
  );
}
