// One repository: its maintenance buttons (index, prune, check, stats, unlock, forget), and tabs for
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
import { formatBytes, formatCount, formatTime, shortId } from "../lib/format";
import { Missing } from "./Missing";
import { displayUri } from "../lib/uri";
import { useOperations } from "../state/operations";
import { OperationTree } from "./OperationTree";
import { RepoForm } from "./RepoForm";
import { RunCommandConsole } from "./RunCommand";
import { SnapshotBrowser } from "./SnapshotBrowser";

type Tab = "history" | "snapshots" | "stats" | "command";

const TAB_LABELS: Record<Tab, string> = { history: "History", snapshots: "Snapshots", stats: "Stats", command: "Run command" };

/** Snapshots listed at once; more on request. */
const SNAPSHOT_PAGE = 100;

const TASKS: { task: Task; label: string; done: string }[] = [
  { task: Task.INDEX_SNAPSHOTS, label: "Index snapshots", done: "Indexing snapshots" },
  { task: Task.PRUNE, label: "Prune", done: "Prune queued" },
  { task: Task.CHECK, label: "Check", done: "Check queued" },
  { task: Task.STATS, label: "Stats", done: "Stats queued" },
  { task: Task.UNLOCK, label: "Unlock", done: "Repository unlocked" },
];

export function RepoView({ repoId }: { repoId: string }) {
  const { config } = useConfig();
  const repo = config?.repos.find((r) => r.id === repoId);
  const [tab, setTab] = useState<Tab>("history");
  const [editing, setEditing] = useState(false);
  if (!config) return <p className="muted">Loading…</p>;
  if (!repo) return <Missing what="repository" id={repoId} />;
  const hasForget = !!repo.forgetPolicy?.schedule?.schedule.case && repo.forgetPolicy.schedule.schedule.case !== "disabled";
  return (
    <div className="stack">
      <div className="spread">
        <div>
          <h1 className="no-margin">Repository {repo.id}</h1>
          <div className="muted mono small">{displayUri(repo.uri)}</div>
        </div>
        <div className="row">
          {TASKS.map((t) => (
            <TaskButton key={t.task} repoId={repoId} {...t} />
          ))}
          {hasForget && <TaskButton repoId={repoId} task={Task.FORGET} label="Forget" done="Forget queued" />}
          <button type="button" onClick={() => setEditing(true)}>
            Edit repository
          </button>
        </div>
      </div>
      <div className="tabs" role="tablist">
        {(Object.entries(TAB_LABELS) as [Tab, string][]).map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} onClick={() => setTab(k)}>
            {label}
          </button>
        ))}
      </div>
      {!repo.guid && (
        <div className="banner banner-info">This repository has not been opened yet; its history appears after its first operation.</div>
      )}
      <div role="tabpanel" aria-label={TAB_LABELS[tab]}>
        {tab === "history" && repo.guid && <OperationTree selector={{ repoGuid: repo.guid }} showPlan />}
        {tab === "snapshots" && <Snapshots repoId={repo.id} repoGuid={repo.guid} />}
        {tab === "stats" && repo.guid && <Stats repoGuid={repo.guid} />}
        {tab === "command" && <RunCommandConsole repoId={repo.id} repoGuid={repo.guid} />}
      </div>
      {editing && <RepoForm repoId={repo.id} onClose={() => setEditing(false)} />}
    </div>
  );
}

function TaskButton(props: { repoId: string; task: Task; label: string; done: string }) {
  const [run, busy] = useAction(() => backrest.doRepoTask({ repoId: props.repoId, task: props.task }), props.done);
  return (
    <button type="button" disabled={busy} onClick={() => void run()}>
      {props.label}
    </button>
  );
}

function Snapshots({ repoId, repoGuid }: { repoId: string; repoGuid: string }) {
  const [snaps, setSnaps] = useState<ResticSnapshot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState(SNAPSHOT_PAGE);
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
  if (!snaps) return <p className="muted">Reading snapshots from the repository…</p>;
  if (!snaps.length) return <p className="muted">The repository has no snapshots.</p>;
  return (
    <div className="stack">
      <div className="scroll-x">
        <table>
          <thead>
            <tr>
              <th>Snapshot</th>
              <th>Taken</th>
              <th>Host</th>
              <th>Paths</th>
              <th>Tags</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {snaps.slice(0, shown).map((s) => (
              <tr key={s.id}>
                <td className="mono">{shortId(s.id)}</td>
                <td>{formatTime(s.unixTimeMs)}</td>
                <td>{s.hostname}</td>
                <td className="mono small">{s.paths.join(", ")}</td>
                <td className="small">{s.tags.join(", ")}</td>
                <td>
                  <button type="button" className="link" onClick={() => setOpen(open === s.id ? null : s.id)}>
                    {open === s.id ? "Close" : "Browse"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {snaps.length > shown && (
        <button type="button" onClick={() => setShown((n) => n + SNAPSHOT_PAGE)}>
          Show {Math.min(SNAPSHOT_PAGE, snaps.length - shown)} more of {snaps.length - shown} older snapshots
        </button>
      )}
      {open && <IndexedBrowser repoId={repoId} repoGuid={repoGuid} snapshot={snaps.find((s) => s.id === open)} />}
    </div>
  );
}

/** Downloads are signed for the snapshot's index operation, so the browser looks that up first. */
function IndexedBrowser({ repoId, repoGuid, snapshot }: { repoId: string; repoGuid: string; snapshot?: ResticSnapshot }) {
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
  if (indexOp === undefined) return <p className="muted">Loading…</p>;
  if (indexOp === null) return <p className="muted">This snapshot is not indexed yet: press “Index snapshots”, then open it again.</p>;
  const planId = snapshot.tags.find((t) => t.startsWith("plan:"))?.slice(5) ?? indexOp.planId;
  return <SnapshotBrowser repoId={repoId} planId={planId} snapshot={snapshot} indexOpId={indexOp.id} />;
}

function Stats({ repoGuid }: { repoGuid: string }) {
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
  if (loading) return <p className="muted">Loading…</p>;
  if (!stats.length)
    return (
      <>
        <ErrorBanner error={error} />
        <p className="muted">No stats yet: press “Stats” to compute them.</p>
      </>
    );
  const pts = (f: (s: NonNullable<(typeof stats)[number]["s"]>) => number) => stats.map((x) => ({ x: x.at, y: x.s ? f(x.s) : 0 }));
  return (
    <div className="grid">
      <div className="card">
        <LineChart label="Total size" points={pts((s) => Number(s.totalSize))} format={formatBytes} />
      </div>
      <div className="card">
        <LineChart label="Uncompressed size" points={pts((s) => Number(s.totalUncompressedSize))} format={formatBytes} />
      </div>
      <div className="card">
        <LineChart label="Compression ratio" points={pts((s) => s.compressionRatio)} format={(y) => `${y.toFixed(2)}×`} />
      </div>
      <div className="card">
        <LineChart label="Snapshots" points={pts((s) => Number(s.snapshotCount))} format={(y) => formatCount(y)} />
      </div>
      <div className="card">
        <LineChart label="Blobs" points={pts((s) => Number(s.totalBlobCount))} format={(y) => formatCount(y)} />
      </div>
    </div>
  );
}
