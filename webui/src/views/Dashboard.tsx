// The summary dashboard: overall state, then a card per plan and per repository with its 30-day
// history strip, bytes added and scanned per day, the next backup, and recent failures.
import { useEffect, useState } from "react";
import type { TFunction } from "i18next";
import type { SummaryDashboardResponse_Summary as Summary } from "@gen/v1/service_pb";
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { useActivity } from "../state/activity";
import { useConfig } from "../state/config";
import { href } from "../lib/router";
import { displayUri } from "../lib/uri";
import { formatBytes, formatCount, formatRelative, formatTime } from "../lib/format";
import { progressOf, statusLabel, statusTone } from "../lib/operations";
import { describeSchedule } from "../lib/schedule";
import { BytesChart, HistoryStrip } from "../components/Charts";
import { ErrorBanner, ProgressBar, StatusBadge } from "../components/Status";
import { Trans, useTranslation } from "../i18n";
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

type T = TFunction<"activity">;

/** The first screen of an empty install: what cairn does and the two steps to a first backup. */
function GettingStarted() {
  const { t } = useTranslation("activity");
  const [adding, setAdding] = useState(false);
  const b = <strong />;
  return (
    <div className="stack">
      <h1>{t("gettingStarted.title")}</h1>
      <div className="card stack">
        <p>{t("gettingStarted.intro")}</p>
        <ol className="stack">
          <li>
            <Trans t={t} i18nKey="gettingStarted.repoStep" components={{ b }} />
          </li>
          <li>
            <Trans t={t} i18nKey="gettingStarted.planStep" components={{ b }} />
          </li>
          <li>{t("gettingStarted.runStep")}</li>
        </ol>
        <div className="row">
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            {t("gettingStarted.addRepo")}
          </button>
        </div>
      </div>
      {adding && <RepoForm onClose={() => setAdding(false)} onSaved={(id) => (window.location.hash = href({ name: "repo", id }))} />}
    </div>
  );
}

/** The hero's tone and headline: what runs now, else what failed, else how the last runs went. */
function headline(t: T, plans: Summary[], running: number): [string, string] {
  const failing = plans.filter((p) => lastBackup(p)?.status === OperationStatus.STATUS_ERROR);
  const warning = plans.filter((p) => lastBackup(p)?.status === OperationStatus.STATUS_WARNING);
  if (running) return ["run", t("dashboard.running", { count: running })];
  if (failing.length) return ["err", t("dashboard.failing", { count: failing.length, plans: failing.map((p) => p.id).join(", ") })];
  if (warning.length) return ["warn", t("dashboard.warning", { count: warning.length })];
  return plans.some((p) => lastBackup(p)) ? ["ok", t("dashboard.allOk")] : ["off", t("dashboard.noneRun")];
}

/** "Last backup 3h ago · next in 2h", whichever halves are known. */
function lastAndNext(t: T, plans: Summary[], now: number): string {
  const lasts = plans.map(lastBackup).filter((x) => x !== null);
  const latest = lasts.length ? formatRelative(Math.max(...lasts.map((l) => l.at)), now) : null;
  const nexts = plans.map((p) => Number(p.nextBackupTimeMs)).filter((n) => n > 0);
  const next = nexts.length ? formatRelative(Math.min(...nexts), now) : null;
  if (latest && next) return t("dashboard.lastAndNext", { last: latest, next });
  if (latest) return t("dashboard.lastOnly", { last: latest });
  return next ? t("dashboard.nextOnly", { next }) : t("dashboard.noBackups");
}

export function Dashboard() {
  const { t } = useTranslation("activity");
  const { dashboard, dashboardError, running } = useActivity();
  const { config } = useConfig();
  const [now, setNow] = useState(Date.now());
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(timer);
  }, []);

  if (config && config.repos.length === 0 && config.plans.length === 0) return <GettingStarted />;

  const plans = dashboard?.planSummaries ?? [];
  const repos = dashboard?.repoSummaries ?? [];
  const [tone, title] = headline(t, plans, running.length);

  return (
    <div className="stack">
      <h1>{t("dashboard.title")}</h1>
      <ErrorBanner error={dashboardError} />
      <div className={`card hero hero-${tone}`}>
        <div className="hero-title">{title}</div>
        <div className="muted">{lastAndNext(t, plans, now)}</div>
      </div>
      <h2>{t("dashboard.plans")}</h2>
      <div className="grid">
        {plans.map((s) => (
          <PlanCard key={s.id} s={s} now={now} running={running.filter((o) => o.planId === s.id)} />
        ))}
        {config?.plans.length === 0 && (
          <div className="card">
            <p>{t("dashboard.noPlans")}</p>
            <button type="button" className="primary" onClick={() => setAdding(true)}>
              {t("dashboard.addPlan")}
            </button>
          </div>
        )}
      </div>
      <h2>{t("dashboard.repos")}</h2>
      <div className="grid">
        {repos.map((s) => (
          <RepoCard key={s.id} s={s} now={now} />
        ))}
      </div>
      {dashboard && (
        <p className="muted small">
          <Trans
            t={t}
            i18nKey="dashboard.paths"
            values={{ config: dashboard.configPath, data: dashboard.dataPath }}
            components={{ code: <code translate="no" /> }}
          />
        </p>
      )}
      {adding && <PlanForm onClose={() => setAdding(false)} onSaved={(id) => (window.location.hash = href({ name: "plan", id }))} />}
    </div>
  );
}

function PlanCard({ s, now, running }: { s: Summary; now: number; running: Operation[] }) {
  const { t } = useTranslation("activity");
  const { config } = useConfig();
  const plan = config?.plans.find((p) => p.id === s.id);
  const last = lastBackup(s);
  const backup = running.find((o) => o.op.case === "operationBackup");
  const progress = backup ? progressOf(backup, now) : null;
  return (
    <section className="card stack" aria-label={t("card.plan", { id: s.id })}>
      <div className="spread">
        <h3 className="card-title" translate="no">
          <a href={href({ name: "plan", id: s.id })}>{s.id}</a>
        </h3>
        {backup ? (
          <StatusBadge status={OperationStatus.STATUS_INPROGRESS} />
        ) : last ? (
          <StatusBadge status={last.status} />
        ) : (
          <span className="muted small">{t("card.neverRun")}</span>
        )}
      </div>
      {progress && <ProgressBar fraction={progress.fraction} label={t("card.backupOf", { id: s.id })} />}
      {progress && <div className="small muted">{progress.text}</div>}
      <dl className="kv small">
        <dt>{t("card.repository")}</dt>
        <dd translate="no">{plan?.repo ?? "–"}</dd>
        <dt>{t("card.schedule")}</dt>
        <dd>{describeSchedule(plan?.schedule)}</dd>
        <NextBackup s={s} now={now} />
        <dt>{t("card.lastBackup")}</dt>
        <dd>{last ? formatRelative(last.at, now) : "–"}</dd>
      </dl>
      <Mirrors s={s} now={now} />
      <Month s={s} />
      <Failures s={s} link={href({ name: "plan", id: s.id })} />
    </section>
  );
}

function NextBackup({ s, now }: { s: Summary; now: number }) {
  const { t } = useTranslation("activity");
  const at = s.nextBackupTimeMs;
  return (
    <>
      <dt>{t("card.nextBackup")}</dt>
      <dd>{at > 0n ? t("card.nextAt", { time: formatTime(at), relative: formatRelative(at, now) }) : t("card.notScheduled")}</dd>
    </>
  );
}

/** Each mirror's newest copy: its state and when. */
function Mirrors({ s, now }: { s: Summary; now: number }) {
  const { t } = useTranslation("activity");
  if (!s.mirrors.length) return null;
  return (
    <div className="small">
      <div className="muted">{t("card.mirrors")}</div>
      <ul className="plain-list" aria-label={t("card.mirrorsOf", { id: s.id })}>
        {s.mirrors.map((m) => (
          <li key={m.repoId}>
            <a href={href({ name: "repo", id: m.repoId })} translate="no">
              {m.repoId}
            </a>{" "}
            {m.unixTimeMs > 0n ? (
              <>
                <span className={`tone-${statusTone(m.status)}`}>{statusLabel(m.status)}</span> {formatRelative(Number(m.unixTimeMs), now)}
              </>
            ) : (
              <span className="muted">{t("card.mirrorNever")}</span>
            )}
            {m.message && m.status !== OperationStatus.STATUS_SUCCESS && (
              <div className="muted ellipsis" lang="en" data-server-text>
                {m.message}
              </div>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The last 30 days: counts by outcome, a strip of days and bytes per day. */
function Month({ s }: { s: Summary }) {
  const { t } = useTranslation("activity");
  const counts = {
    ok: formatCount(s.backupsSuccessLast30days),
    warning: formatCount(s.backupsWarningLast30days),
    failed: formatCount(s.backupsFailed30days),
    added: formatBytes(s.bytesAddedLast30days),
  };
  return (
    <>
      <div className="small">{t("card.month", counts)}</div>
      <HistoryStrip days={s.historyLast30days} label={t("card.history", { id: s.id })} />
      <BytesChart days={s.historyLast30days} label={t("card.bytes", { id: s.id })} />
    </>
  );
}

/** The last problem runs, each linking to the plan or repository that had it. */
function Failures({ s, link }: { s: Summary; link: string }) {
  const { t } = useTranslation("activity");
  const f = failures(s);
  if (!f.length) return null;
  return (
    <div className="small">
      <div className="muted">{t("card.problems")}</div>
      <ul className="plain-list">
        {f.map((x) => (
          <li key={String(x.flowId)}>
            <a href={link}>
              <span className={`tone-${statusTone(x.status)}`}>{statusLabel(x.status)}</span> {formatTime(x.at)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RepoCard({ s, now }: { s: Summary; now: number }) {
  const { t } = useTranslation("activity");
  const { config } = useConfig();
  const repo = config?.repos.find((r) => r.id === s.id);
  const uri = repo ? displayUri(repo.uri) : "";
  return (
    <section className="card stack" aria-label={t("card.repo", { id: s.id })}>
      <div className="spread">
        <h3 className="card-title" translate="no">
          <a href={href({ name: "repo", id: s.id })}>{s.id}</a>
        </h3>
        <span className="muted small mono ellipsis" title={uri} translate="no">
          {uri}
        </span>
      </div>
      <dl className="kv small">
        <dt>{t("card.protected")}</dt>
        <dd>{s.protectedBytes > 0n ? formatBytes(s.protectedBytes) : t("card.notComputed")}</dd>
        <NextBackup s={s} now={now} />
      </dl>
      <Month s={s} />
      <Failures s={s} link={href({ name: "repo", id: s.id })} />
    </section>
  );
}
