// One repository: its maintenance buttons (index, prune, check, verify, stats, unlock, forget), and tabs for
// its operation history, its snapshots (browse, restore, download), stats over time, and a console
// running restic commands against it.
import { useEffect, useMemo, useState } from "react";
import { DoRepoTaskRequest_Task as Task } from "@gen/v1/service_pb";
import type { ResticSnapshot } from "@gen/v1/restic_pb";
import type { Operation } from "@gen/v1/operations_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";
import { useConfig } from "../state/config";
import { useAction } from "../components/useAction";
import { ErrorBanner } from "../components/Status";
import { LineChart } from "../components/Charts";
import { formatBytes, formatCount, formatNumber, formatTime, shortId } from "../lib/format";
import { Missing } from "./Missing";
import { displayUri } from "../lib/uri";
import { useOperations } from "../state/operations";
import { OperationTree } from "./OperationTree";
import { RepoForm } from "./RepoForm";
import { RunCommandConsole } from "./RunCommand";
import { FindFiles } from "./FindFiles";
import { SnapshotBrowser } from "./SnapshotBrowser";
import { SnapshotDiff } from "./SnapshotDiff";
import { useTranslation } from "../i18n";

type Tab = "history" | "snapshots" | "find" | "stats" | "command";

const TABS: Tab[] = ["history", "snapshots", "find", "stats", "command"];

/** Snapshots listed at once; more on request. */
const SNAPSHOT_PAGE = 100;

/** A maintenance task's button; its label and toast are `repoView.tasks.<name>` and `<name>Done`. */
type TaskName = "index" | "prune" | "check" | "verify" | "stats" | "unlock" | "forget";

const TASKS: { task: Task; name: TaskName }[] = [
  { task: Task.INDEX_SNAPSHOTS, name: "index" },
  { task: Task.PRUNE, name: "prune" },
  { task: Task.CHECK, name: "check" },
  { task: Task.VERIFY, name: "verify" },
  { task: Task.STATS, name: "stats" },
  { task: Task.UNLOCK, name: "unlock" },
];

export function RepoView({ repoId }: { repoId: string }) {
  const { t } = useTranslation("activity");
  const { t: tc } = useTranslation("common");
  const { config } = useConfig();
  const repo = config?.repos.find((r) => r.id === repoId);
  const [tab, setTab] = useState<Tab>("history");
  const [editing, setEditing] = useState(false);
  if (!config) return <p className="muted">{tc("loading")}</p>;
  if (!repo) return <Missing what="repository" id={repoId} />;
  const hasForget = !!repo.forgetPolicy?.schedule?.schedule.case && repo.forgetPolicy.schedule.schedule.case !== "disabled";
  return (
    <div className="stack">
      <div className="spread">
        <div>
          <h1 className="no-margin">{t("repoView.title", { id: repo.id })}</h1>
          <div className="muted mono small" translate="no">
            {displayUri(repo.uri)}
          </div>
        </div>
        <div className="row">
          {TASKS.map((x) => (
            <TaskButton key={x.task} repoId={repoId} {...x} />
          ))}
          {hasForget && <TaskButton repoId={repoId} task={Task.FORGET} name="forget" />}
          <button type="button" onClick={() => setEditing(true)}>
            {t("repoView.edit")}
          </button>
        </div>
      </div>
      <div className="tabs" role="tablist">
        {TABS.map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} onClick={() => setTab(k)}>
            {t(`repoView.tabs.${k}`)}
          </button>
        ))}
      </div>
      {!repo.guid && <div className="banner banner-info">{t("repoView.notOpened")}</div>}
      <div role="tabpanel" aria-label={t(`repoView.tabs.${tab}`)}>
        {tab === "history" && repo.guid && <OperationTree selector={{ repoGuid: repo.guid }} showPlan />}
        {tab === "snapshots" && <Snapshots repoId={repo.id} repoGuid={repo.guid} />}
        {tab === "find" && <FindFiles repoId={repo.id} />}
        {tab === "stats" && repo.guid && <Stats repoGuid={repo.guid} />}
        {tab === "command" && <RunCommandConsole repoId={repo.id} repoGuid={repo.guid} />}
      </div>
      {editing && <RepoForm repoId={repo.id} onClose={() => setEditing(false)} />}
    </div>
  );
}

function TaskButton(props: { repoId: string; task: Task; name: TaskName }) {
  const { t } = useTranslation("activity");
  const done = t(`repoView.tasks.${props.name}Done`);
  const [run, busy] = useAction(() => backrest.doRepoTask({ repoId: props.repoId, task: props.task }), done);
  return (
    <button type="button" disabled={busy} onClick={() => void run()}>
      {t(`repoView.tasks.${props.name}`)}
    </button>
  );
}

function Snapshots({ repoId, repoGuid }: { repoId: string; repoGuid: string }) {
  const { t } = useTranslation("activity");
  const { t: tc } = useTranslation("common");
  const [snaps, setSnaps] = useState<ResticSnapshot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [comparing, setComparing] = useState<{ a: string; b: string } | null>(null);
  const [shown, setShown] = useState(SNAPSHOT_PAGE);
  const { t: ts } = useTranslation("snapshots");
  useEffect(() => {
    let live = true;
    backrest
      .listSnapshots({ repoId })
      .then((r) => live && setSnaps([...r.snapshots].sort((a, b) => Number(b.unixTimeMs - a.unixTimeMs))))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [repoId]);
  if (error) return <ErrorBanner error={error} />;
  if (!snaps) return <p className="muted">{t("snapshots.reading")}</p>;
  if (!snaps.length) return <p className="muted">{t("snapshots.none")}</p>;
  return (
    <div className="stack">
      <div className="scroll-x">
        <table>
          <thead>
            <tr>
              <th>{t("snapshots.snapshot")}</th>
              <th>{t("snapshots.taken")}</th>
              <th>{t("snapshots.host")}</th>
              <th>{t("snapshots.paths")}</th>
              <th>{t("snapshots.tags")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {snaps.slice(0, shown).map((s, i) => (
              <tr key={s.id}>
                <td className="mono" translate="no">
                  {shortId(s.id)}
                </td>
                <td>{formatTime(s.unixTimeMs)}</td>
                <td translate="no">{s.hostname}</td>
                <td className="mono small" translate="no">
                  {s.paths.join(", ")}
                </td>
                <td className="small" translate="no">
                  {s.tags.join(", ")}
                </td>
                <td>
                  <span className="row">
                    <button type="button" className="link" onClick={() => setOpen(open === s.id ? null : s.id)}>
                      {open === s.id ? tc("close") : t("snapshots.browse")}
                    </button>
                    {snaps[i + 1] && (
                      <button
                        type="button"
                        className="link"
                        onClick={() => setComparing({ a: snaps[i + 1].id, b: s.id })}
                        aria-label={ts("diff.compareOf", { id: shortId(s.id) })}
                      >
                        {ts("diff.compare")}
                      </button>
                    )}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {snaps.length > shown && (
        <button type="button" onClick={() => setShown((n) => n + SNAPSHOT_PAGE)}>
          {t("snapshots.more", {
            count: snaps.length - shown,
            older: formatCount(snaps.length - shown),
            shown: formatCount(Math.min(SNAPSHOT_PAGE, snaps.length - shown)),
          })}
        </button>
      )}
      {comparing && (
        <>
          <button type="button" className="link" onClick={() => setComparing(null)}>
            {ts("diff.close")}
          </button>
          <SnapshotDiff key={`${comparing.a}-${comparing.b}`} repoId={repoId} snapshots={snaps} a={comparing.a} b={comparing.b} />
        </>
      )}
      {open && <IndexedBrowser repoId={repoId} repoGuid={repoGuid} snapshot={snaps.find((s) => s.id === open)} />}
    </div>
  );
}

/** Downloads are signed for the snapshot's index operation, so the browser looks that up first. */
function IndexedBrowser({ repoId, repoGuid, snapshot }: { repoId: string; repoGuid: string; snapshot?: ResticSnapshot }) {
  const { t } = useTranslation("activity");
  const { t: tc } = useTranslation("common");
  const [indexOp, setIndexOp] = useState<Operation | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!snapshot) return;
    let live = true;
    setIndexOp(undefined);
    backrest
      .getOperations({ selector: { snapshotId: snapshot.id, repoGuid, kinds: ["index_snapshot"] } })
      .then((r) => live && setIndexOp(r.operations[0] ?? null))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [snapshot, repoGuid]);
  if (!snapshot) return null;
  if (error) return <ErrorBanner error={error} />;
  if (indexOp === undefined) return <p className="muted">{tc("loading")}</p>;
  if (indexOp === null) return <p className="muted">{t("snapshots.notIndexed", { button: t("repoView.tasks.index") })}</p>;
  const planId = snapshot.tags.find((t) => t.startsWith("plan:"))?.slice(5) ?? indexOp.planId;
  return <SnapshotBrowser repoId={repoId} planId={planId} snapshot={snapshot} indexOpId={indexOp.id} />;
}

function Stats({ repoGuid }: { repoGuid: string }) {
  const { t } = useTranslation("activity");
  const { t: tc } = useTranslation("common");
  const { ops, version, loading, error } = useOperations({ repoGuid, kinds: ["stats"] }, 1000);
  const stats = useMemo(
    () =>
      [...ops.values()]
        .filter((o) => o.op.case === "operationStats" && o.op.value.stats)
        .sort((a, b) => Number(a.unixTimeStartMs - b.unixTimeStartMs))
        .map((o) => ({ at: Number(o.unixTimeStartMs), s: o.op.case === "operationStats" ? o.op.value.stats : undefined })),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `ops` changes in place; `version` says when
    [ops, version],
  );
  if (loading) return <p className="muted">{tc("loading")}</p>;
  if (!stats.length)
    return (
      <>
        <ErrorBanner error={error} />
        <p className="muted">{t("stats.none", { button: t("repoView.tasks.stats") })}</p>
      </>
    );
  const pts = (f: (s: NonNullable<(typeof stats)[number]["s"]>) => number) => stats.map((x) => ({ x: x.at, y: x.s ? f(x.s) : 0 }));
  return (
    <div className="grid">
      <div className="card">
        <LineChart label={t("stats.totalSize")} points={pts((s) => Number(s.totalSize))} format={formatBytes} />
      </div>
      <div className="card">
        <LineChart label={t("stats.uncompressed")} points={pts((s) => Number(s.totalUncompressedSize))} format={formatBytes} />
      </div>
      <div className="card">
        <LineChart
          label={t("stats.ratio")}
          points={pts((s) => s.compressionRatio)}
          format={(y) => t("stats.ratioValue", { ratio: formatNumber(y, 2) })}
        />
      </div>
      <div className="card">
        <LineChart label={t("stats.snapshots")} points={pts((s) => Number(s.snapshotCount))} format={(y) => formatCount(y)} />
      </div>
      <div className="card">
        <LineChart label={t("stats.blobs")} points={pts((s) => Number(s.totalBlobCount))} format={(y) => formatCount(y)} />
      </div>
    </div>
  );
}
