// The summary dashboard: overall state, then a card per plan and per repository with its 30-day
// history strip, bytes added and scanned per day, the next backup, and recent failures.
import { useEffect, useState } from "react";
import type { SummaryDashboardResponse_Summary as Summary } from "@gen/v1/service_pb";
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { useActivity } from "../state/activity";
import { useConfig } from "../state/config";
import { href } from "../lib/router";
import { displayUri } from "../lib/uri";
import { formatBytes, formatRelative, formatTime } from "../lib/format";
import { progressOf, STATUS_LABEL, statusTone } from "../lib/operations";
import { describeSchedule } from "../lib/schedule";
import { BytesChart, HistoryStrip } from "../components/Charts";
import { ErrorBanner, ProgressBar, StatusBadge } from "../components/Status";
import { PlanForm } from "./PlanForm";
import { RepoForm } from "./RepoForm";

function lastBackup(s: Summary): { status: OperationStatus; at: number } | null {
  const c = s.recentBackups;
  if (!c?.status.length) return null;
  const i = c.status.length - 1;
  return { status: c.status[i], at: Number(c.timestampMs[i]) };
}

function failures(s: Summary): { flowId: bigint; at: number; status: OperationStatus }[] {
  const c = s.recentBackups;
  if (!c) return [];
  return c.status
    .map((status, i) => ({ status, flowId: c.flowId[i], at: Number(c.timestampMs[i]) }))
    .filter((b) => b.status === OperationStatus.STATUS_ERROR || b.status === OperationStatus.STATUS_WARNING)
    .reverse()
    .slice(0, 3);
}

export function Dashboard() {
  const { dashboard, dashboardError, running } = useActivity();
  const { config } = useConfig();
  const [now, setNow] = useState(Date.now());
  const [adding, setAdding] = useState<"plan" | "repo" | null>(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(t);
  }, []);

  if (config && config.repos.length === 0 && config.plans.length === 0) {
    return (
      <div className="stack">
        <h1>Getting started</h1>
        <div className="card stack">
          <p>cairn backs up folders on this machine into restic repositories, on a schedule, and keeps every run in its history.</p>
          <ol className="stack">
            <li>
              <strong>Add a repository</strong>: where backups go (a local folder, SFTP, S3, a REST server, rclone…). An existing restic
              repository is imported with its snapshots.
            </li>
            <li>
              <strong>Add a plan</strong>: which folders to back up into it, when, and how long to keep snapshots.
            </li>
            <li>Run a backup now, browse its snapshot, and restore or download any file.</li>
          </ol>
          <div className="row">
            <button type="button" className="primary" onClick={() => setAdding("repo")}>
              Add a repository
            </button>
          </div>
        </div>
        {adding === "repo" && (
          <RepoForm onClose={() => setAdding(null)} onSaved={(id) => (window.location.hash = href({ name: "repo", id }))} />
        )}
      </div>
    );
  }

  const plans = dashboard?.planSummaries ?? [];
  const repos = dashboard?.repoSummaries ?? [];
  const lasts = plans.map(lastBackup).filter((x) => x !== null);
  const failing = plans.filter((p) => lastBackup(p)?.status === OperationStatus.STATUS_ERROR);
  const warning = plans.filter((p) => lastBackup(p)?.status === OperationStatus.STATUS_WARNING);
  const latest = lasts.length ? Math.max(...lasts.map((l) => l.at)) : null;
  const nexts = plans.map((p) => Number(p.nextBackupTimeMs)).filter((n) => n > 0);
  const next = nexts.length ? Math.min(...nexts) : null;
  const [tone, headline] = running.length
    ? ["run", `${running.length} operation(s) running`]
    : failing.length
      ? ["err", `${failing.length} plan(s) failing: ${failing.map((p) => p.id).join(", ")}`]
      : warning.length
        ? ["warn", `${warning.length} plan(s) finished with warnings`]
        : lasts.length
          ? ["ok", "All plans backed up"]
          : ["off", "No backup has run yet"];

  return (
    <div className="stack">
      <h1>Dashboard</h1>
      <ErrorBanner error={dashboardError} />
      <div className={`card hero hero-${tone}`}>
        <div className="hero-title">{headline}</div>
        <div className="muted">
          {latest ? `Last backup ${formatRelative(latest, now)}` : "No backups yet"}
          {next ? ` · next ${formatRelative(next, now)}` : ""}
        </div>
      </div>
      <h2>Plans</h2>
      <div className="grid">
        {plans.map((s) => (
          <PlanCard key={s.id} s={s} now={now} running={running.filter((o) => o.planId === s.id)} />
        ))}
        {config?.plans.length === 0 && (
          <div className="card">
            <p>No plans yet.</p>
            <button type="button" className="primary" onClick={() => setAdding("plan")}>
              Add a plan
            </button>
          </div>
        )}
      </div>
      <h2>Repositories</h2>
      <div className="grid">
        {repos.map((s) => (
          <RepoCard key={s.id} s={s} now={now} />
        ))}
      </div>
      {dashboard && (
        <p className="muted small">
          Config: <code>{dashboard.configPath}</code> · Data: <code>{dashboard.dataPath}</code>
        </p>
      )}
      {adding === "plan" && (
        <PlanForm onClose={() => setAdding(null)} onSaved={(id) => (window.location.hash = href({ name: "plan", id }))} />
      )}
    </div>
  );
}

function PlanCard({ s, now, running }: { s: Summary; now: number; running: Operation[] }) {
  const { config } = useConfig();
  const plan = config?.plans.find((p) => p.id === s.id);
  const last = lastBackup(s);
  const backup = running.find((o) => o.op.case === "operationBackup");
  const progress = backup ? progressOf(backup, now) : null;
  return (
    <section className="card stack" aria-label={`Plan ${s.id}`}>
      <div className="spread">
        <h3 className="card-title">
          <a href={href({ name: "plan", id: s.id })}>{s.id}</a>
        </h3>
        {backup ? (
          <StatusBadge status={OperationStatus.STATUS_INPROGRESS} />
        ) : last ? (
          <StatusBadge status={last.status} />
        ) : (
          <span className="muted small">never run</span>
        )}
      </div>
      {progress && <ProgressBar fraction={progress.fraction} label={`Backup of ${s.id}`} />}
      {progress && <div className="small muted">{progress.text}</div>}
      <dl className="kv small">
        <dt>Repository</dt>
        <dd>{plan?.repo ?? "–"}</dd>
        <dt>Schedule</dt>
        <dd>{describeSchedule(plan?.schedule)}</dd>
        <NextBackup s={s} now={now} />
        <dt>Last backup</dt>
        <dd>{last ? formatRelative(last.at, now) : "–"}</dd>
      </dl>
      <Month s={s} />
      <Failures s={s} link={href({ name: "plan", id: s.id })} />
    </section>
  );
}

function NextBackup({ s, now }: { s: Summary; now: number }) {
  return (
    <>
      <dt>Next backup</dt>
      <dd>
        {s.nextBackupTimeMs > 0n ? `${formatTime(s.nextBackupTimeMs)} (${formatRelative(s.nextBackupTimeMs, now)})` : "not scheduled"}
      </dd>
    </>
  );
}

/** The last 30 days: counts by outcome, a strip of days and bytes per day. */
function Month({ s }: { s: Summary }) {
  return (
    <>
      <div className="small">
        {String(s.backupsSuccessLast30days)} ok, {String(s.backupsWarningLast30days)} warning, {String(s.backupsFailed30days)} failed in 30
        days · {formatBytes(s.bytesAddedLast30days)} added
      </div>
      <HistoryStrip days={s.historyLast30days} label={`Last 30 days of ${s.id}`} />
      <BytesChart days={s.historyLast30days} label={`Bytes added and scanned per day for ${s.id}`} />
    </>
  );
}

/** The last problem runs, each linking to the plan or repository that had it. */
function Failures({ s, link }: { s: Summary; link: string }) {
  const f = failures(s);
  if (!f.length) return null;
  return (
    <div className="small">
      <div className="muted">Recent problems</div>
      <ul className="plain-list">
        {f.map((x) => (
          <li key={String(x.flowId)}>
            <a href={link}>
              <span className={`tone-${statusTone(x.status)}`}>{STATUS_LABEL[x.status]}</span> {formatTime(x.at)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RepoCard({ s, now }: { s: Summary; now: number }) {
  const { config } = useConfig();
  const repo = config?.repos.find((r) => r.id === s.id);
  const uri = repo ? displayUri(repo.uri) : "";
  return (
    <section className="card stack" aria-label={`Repository ${s.id}`}>
      <div className="spread">
        <h3 className="card-title">
          <a href={href({ name: "repo", id: s.id })}>{s.id}</a>
        </h3>
        <span className="muted small mono ellipsis" title={uri}>
          {uri}
        </span>
      </div>
      <dl className="kv small">
        <dt>Protected</dt>
        <dd>{s.protectedBytes > 0n ? formatBytes(s.protectedBytes) : "– (computed by Stats)"}</dd>
        <NextBackup s={s} now={now} />
      </dl>
      <Month s={s} />
      <Failures s={s} link={href({ name: "repo", id: s.id })} />
    </section>
  );
}
