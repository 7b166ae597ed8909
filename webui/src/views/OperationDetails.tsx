// Everything about one operation: status and times, then what its kind records (backup progress or
// summary and file errors, the snapshot with a browser, removed snapshots, output logs, restore
// progress with a download), and the actions that fit its state (cancel, forget, delete).
import { useEffect, useState } from "react";
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import type { ResticSnapshot } from "@gen/v1/restic_pb";
import { backrest } from "../api/client";
import { formatBytes, formatCount, formatDuration, formatTime, shortId } from "../lib/format";
import { conditionLabel, isActive, kindLabel, logRefOf, progressOf } from "../lib/operations";
import { ProgressBar, StatusBadge } from "../components/Status";
import { Confirm } from "../components/Modal";
import { useAction } from "../components/useAction";
import { LogButton, LogViewer } from "./LogViewer";
import { SnapshotBrowser } from "./SnapshotBrowser";
import { downloadLink } from "./download";

export function OperationDetails({ op }: { op: Operation }) {
  return (
    <article className="stack" aria-label={`${kindLabel(op)} details`}>
      <div className="spread">
        <h3 className="no-margin">
          {kindLabel(op)} <span className="muted small">#{String(op.id)}</span>
        </h3>
        <StatusBadge status={op.status} />
      </div>
      <dl className="kv small">
        <dt>Started</dt>
        <dd>{op.unixTimeStartMs > 0n ? formatTime(op.unixTimeStartMs) : "–"}</dd>
        {op.unixTimeEndMs > 0n && (
          <>
            <dt>Took</dt>
            <dd>{formatDuration(Number(op.unixTimeEndMs - op.unixTimeStartMs))}</dd>
          </>
        )}
        {op.planId && (
          <>
            <dt>Plan</dt>
            <dd>{op.planId}</dd>
          </>
        )}
        <dt>Repository</dt>
        <dd>{op.repoId}</dd>
        {op.engine && (
          <>
            <dt>Engine</dt>
            <dd>{op.engine}</dd>
          </>
        )}
      </dl>
      {op.displayMessage && (
        <div className={`banner ${op.status === OperationStatus.STATUS_ERROR ? "banner-error" : "banner-info"}`}>
          <pre>{op.displayMessage}</pre>
        </div>
      )}
      <KindDetails op={op} />
      <Actions op={op} />
    </article>
  );
}

function KindDetails({ op }: { op: Operation }) {
  switch (op.op.case) {
    case "operationBackup":
      return <BackupDetails op={op} />;
    case "operationIndexSnapshot":
      return op.op.value.snapshot ? <SnapshotDetails op={op} snapshot={op.op.value.snapshot} forgot={op.op.value.forgot} /> : null;
    case "operationForget":
      return (
        <div>
          <h4>Removed snapshots</h4>
          {op.op.value.forget.length ? (
            <table>
              <tbody>
                {op.op.value.forget.map((s) => (
                  <tr key={s.id}>
                    <td className="mono">{shortId(s.id)}</td>
                    <td>{formatTime(s.unixTimeMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">None.</p>
          )}
        </div>
      );
    case "operationPrune":
    case "operationCheck":
    case "operationRunCommand": {
      const ref = logRefOf(op);
      return ref ? <LogViewer logRef={ref} /> : <p className="muted">No output recorded.</p>;
    }
    case "operationRestore":
      return <RestoreDetails op={op} />;
    case "operationStats": {
      const s = op.op.value.stats;
      if (!s) return null;
      return (
        <dl className="kv small">
          <dt>Size</dt>
          <dd>{formatBytes(s.totalSize)}</dd>
          <dt>Uncompressed</dt>
          <dd>{formatBytes(s.totalUncompressedSize)}</dd>
          <dt>Compression</dt>
          <dd>{s.compressionRatio ? `${s.compressionRatio.toFixed(2)}×` : "–"}</dd>
          <dt>Snapshots</dt>
          <dd>{formatCount(s.snapshotCount)}</dd>
          <dt>Blobs</dt>
          <dd>{formatCount(s.totalBlobCount)}</dd>
        </dl>
      );
    }
    case "operationRunHook": {
      const ref = logRefOf(op);
      return (
        <div className="stack">
          <dl className="kv small">
            <dt>Hook</dt>
            <dd>{op.op.value.name}</dd>
            <dt>Condition</dt>
            <dd>{conditionLabel(op.op.value.condition)}</dd>
          </dl>
          {ref ? <LogViewer logRef={ref} /> : <p className="muted">No output recorded.</p>}
        </div>
      );
    }
    default:
      return null;
  }
}

function BackupDetails({ op }: { op: Operation }) {
  if (op.op.case !== "operationBackup") return null;
  const b = op.op.value;
  const entry = b.lastStatus?.entry;
  const progress = progressOf(op);
  return (
    <div className="stack">
      {b.dryRun && <div className="banner banner-info">Dry run: nothing was written to the repository.</div>}
      {entry?.case === "status" && op.status === OperationStatus.STATUS_INPROGRESS && progress && (
        <div className="stack">
          <ProgressBar fraction={progress.fraction} label="Backup progress" />
          <div className="small">
            {progress.fraction !== null && <strong>{Math.round(progress.fraction * 100)}% </strong>}
            {progress.text}
            {progress.remainingMs !== null && <span className="muted"> · about {formatDuration(progress.remainingMs)} left</span>}
          </div>
          {entry.value.currentFile.length > 0 && (
            <div className="small muted mono ellipsis" title={entry.value.currentFile.join("\n")}>
              {entry.value.currentFile[0]}
            </div>
          )}
        </div>
      )}
      {entry?.case === "summary" && (
        <dl className="kv small">
          <dt>Snapshot</dt>
          <dd className="mono">{entry.value.snapshotId ? shortId(entry.value.snapshotId) : "none (nothing saved)"}</dd>
          <dt>Files</dt>
          <dd>
            {formatCount(entry.value.filesNew)} new, {formatCount(entry.value.filesChanged)} changed,{" "}
            {formatCount(entry.value.filesUnmodified)} unmodified
          </dd>
          <dt>Added</dt>
          <dd>{formatBytes(entry.value.dataAdded)}</dd>
          <dt>Processed</dt>
          <dd>
            {formatBytes(entry.value.totalBytesProcessed)} in {formatCount(entry.value.totalFilesProcessed)} files
          </dd>
        </dl>
      )}
      {b.errors.length > 0 && (
        <div>
          <h4>File errors ({b.errors.length})</h4>
          <div className="scroll-box">
            <table>
              <tbody>
                {b.errors.map((e, i) => (
                  <tr key={i}>
                    <td className="mono small">{e.item}</td>
                    <td className="small">{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}

function SnapshotDetails({ op, snapshot, forgot }: { op: Operation; snapshot: ResticSnapshot; forgot: boolean }) {
  const [browsing, setBrowsing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [forget, forgetting] = useAction(
    () => backrest.forget({ repoId: op.repoId, planId: op.planId, snapshotId: snapshot.id }),
    "Forgetting the snapshot",
  );
  return (
    <div className="stack">
      <dl className="kv small">
        <dt>Snapshot</dt>
        <dd className="mono">{snapshot.id}</dd>
        <dt>Taken</dt>
        <dd>{formatTime(snapshot.unixTimeMs)}</dd>
        <dt>By</dt>
        <dd>
          {snapshot.username}@{snapshot.hostname}
        </dd>
        <dt>Paths</dt>
        <dd className="mono">{snapshot.paths.join(", ")}</dd>
        <dt>Tags</dt>
        <dd>{snapshot.tags.join(", ") || "–"}</dd>
      </dl>
      {forgot ? (
        <p className="muted">This snapshot was forgotten; its data is gone from the repository.</p>
      ) : (
        <div className="row">
          <button type="button" className="primary" onClick={() => setBrowsing((b) => !b)}>
            {browsing ? "Hide files" : "Browse files"}
          </button>
          {op.planId && (
            <button type="button" disabled={forgetting} onClick={() => setConfirm(true)}>
              Forget snapshot
            </button>
          )}
        </div>
      )}
      {browsing && !forgot && <SnapshotBrowser repoId={op.repoId} planId={op.planId} snapshot={snapshot} indexOpId={op.id} />}
      {confirm && (
        <Confirm
          title="Forget this snapshot?"
          message={`Snapshot ${shortId(snapshot.id)} will be removed from the repository (its data is freed at the next prune). This cannot be undone.`}
          confirmLabel="Forget snapshot"
          danger
          onCancel={() => setConfirm(false)}
          onConfirm={() => {
            setConfirm(false);
            void forget();
          }}
        />
      )}
    </div>
  );
}

function RestoreDetails({ op }: { op: Operation }) {
  if (op.op.case !== "operationRestore") return null;
  const r = op.op.value;
  const progress = progressOf(op);
  return (
    <div className="stack">
      <dl className="kv small">
        <dt>From</dt>
        <dd className="mono">
          {shortId(op.snapshotId)}:{r.path || "/"}
        </dd>
        <dt>To</dt>
        <dd className="mono">{r.target}</dd>
      </dl>
      {progress && (
        <div className="stack">
          <ProgressBar fraction={progress.fraction} label="Restore progress" />
          <div className="small">{progress.text}</div>
        </div>
      )}
      {op.status === OperationStatus.STATUS_SUCCESS && <DownloadButtons opId={op.id} label="Download restored files" />}
    </div>
  );
}

/** Links to the operation's files, signed by the server on demand: a file as itself, a directory as
 * tar.gz or zip. */
export function DownloadButtons({ opId, filePath, label }: { opId: bigint; filePath?: string; label: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    backrest
      .getDownloadURL({ opId, filePath: filePath ?? "" })
      .then((r) => live && setUrl(r.value))
      .catch((e: unknown) => live && setError(String(e)));
    return () => {
      live = false;
    };
  }, [opId, filePath]);
  if (error) return <span className="field-error">{error}</span>;
  if (!url) return <span className="muted small">Preparing download…</span>;
  if (!url.endsWith(".tar.gz")) {
    return (
      <div className="row">
        <a className="button" href={downloadLink(url)} download>
          {label}
        </a>
      </div>
    );
  }
  return (
    <div className="row">
      <a className="button" href={downloadLink(url)} download>
        {label} (.tar.gz)
      </a>
      <a className="button" href={downloadLink(url, "zip")} download>
        .zip
      </a>
    </div>
  );
}

function Actions({ op }: { op: Operation }) {
  const [confirm, setConfirm] = useState<"cancel" | "delete" | null>(null);
  const [cancel, cancelling] = useAction(() => backrest.cancel({ operationId: op.id }), "Cancel requested");
  const [remove] = useAction(() => backrest.clearHistory({ selector: { ids: [op.id] } }), "Deleted from history");
  const ref = logRefOf(op);
  const showLogButton = ref && !["operationPrune", "operationCheck", "operationRunCommand", "operationRunHook"].includes(op.op.case ?? "");
  return (
    <div className="row">
      {isActive(op) && (
        <button type="button" className="danger" disabled={cancelling} onClick={() => setConfirm("cancel")}>
          Cancel
        </button>
      )}
      {showLogButton && <LogButton logRef={ref} />}
      {!isActive(op) && (
        <button type="button" onClick={() => setConfirm("delete")}>
          Delete from history
        </button>
      )}
      {confirm === "cancel" && (
        <Confirm
          title="Cancel this operation?"
          message={`${kindLabel(op)} #${String(op.id)} will be stopped${op.op.case === "operationBackup" ? "; nothing of a cancelled backup is kept as a snapshot" : ""}.`}
          confirmLabel="Cancel operation"
          danger
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void cancel();
          }}
        />
      )}
      {confirm === "delete" && (
        <Confirm
          title="Delete from history?"
          message="Only the record of this operation is removed; repositories and snapshots are not touched."
          confirmLabel="Delete"
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            setConfirm(null);
            void remove();
          }}
        />
      )}
    </div>
  );
}
