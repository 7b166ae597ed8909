// Everything about one operation: status and times, then what its kind records (backup progress or
// summary and file errors, the snapshot with a browser, removed snapshots, output logs, restore
// progress with a download), and the actions that fit its state (cancel, forget, delete).
import { useEffect, useState } from "react";
import { OperationStatus, type Operation, type OperationVerify } from "@gen/v1/operations_pb";
import type { BackupProgressError, BackupProgressSummary, ResticSnapshot } from "@gen/v1/restic_pb";
import { backrest, cairn } from "../api/client";
import { formatBytes, formatCount, formatDuration, formatNumber, formatTime, shortId } from "../lib/format";
import { conditionLabel, isActive, kindLabel, logRefOf, progressOf } from "../lib/operations";
import { ProgressBar, StatusBadge } from "../components/Status";
import { Confirm } from "../components/Modal";
import { useAction } from "../components/useAction";
import { LogButton, LogViewer } from "./LogViewer";
import { SnapshotBrowser } from "./SnapshotBrowser";
import { downloadLink } from "./download";
import { errorMessage } from "../api/errors";
import { i18n, useTranslation } from "../i18n";

export function OperationDetails({ op }: { op: Operation }) {
  const { t } = useTranslation("operations");
  return (
    <article className="stack" aria-label={t("details.label", { kind: kindLabel(op) })}>
      <div className="spread">
        <h3 className="no-margin">
          {kindLabel(op)} <span className="muted small">#{String(op.id)}</span>
        </h3>
        <StatusBadge status={op.status} />
      </div>
      <dl className="kv small">
        <dt>{t("details.started")}</dt>
        <dd>{op.unixTimeStartMs > 0n ? formatTime(op.unixTimeStartMs) : "–"}</dd>
        {op.unixTimeEndMs > 0n && (
          <>
            <dt>{t("details.took")}</dt>
            <dd>{formatDuration(Number(op.unixTimeEndMs - op.unixTimeStartMs))}</dd>
          </>
        )}
        {op.planId && (
          <>
            <dt>{t("details.plan")}</dt>
            <dd translate="no">{op.planId}</dd>
          </>
        )}
        <dt>{t("details.repository")}</dt>
        <dd translate="no">{op.repoId}</dd>
        {op.engine && (
          <>
            <dt>{t("details.engine")}</dt>
            <dd translate="no">{op.engine}</dd>
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
  const { t } = useTranslation("operations");
  switch (op.op.case) {
    case "operationBackup":
      return <BackupDetails op={op} />;
    case "operationIndexSnapshot":
      return op.op.value.snapshot ? <SnapshotDetails op={op} snapshot={op.op.value.snapshot} forgot={op.op.value.forgot} /> : null;
    case "operationForget":
      return (
        <div>
          <h4>{t("details.removedSnapshots")}</h4>
          {op.op.value.forget.length ? (
            <table>
              <tbody>
                {op.op.value.forget.map((s) => (
                  <tr key={s.id}>
                    <td className="mono" translate="no">
                      {shortId(s.id)}
                    </td>
                    <td>{formatTime(s.unixTimeMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">{t("details.noneRemoved")}</p>
          )}
        </div>
      );
    case "operationPrune":
    case "operationCheck":
    case "operationRunCommand": {
      const ref = logRefOf(op);
      return ref ? <LogViewer logRef={ref} /> : <p className="muted">{t("details.noOutput")}</p>;
    }
    case "operationRestore":
      return <RestoreDetails op={op} />;
    case "operationVerify":
      return <VerifyDetails op={op} />;
    case "operationMirror":
      return (
        <dl className="kv small">
          <dt>{t("details.mirror.source")}</dt>
          <dd translate="no">{op.op.value.sourceRepoId}</dd>
          <dt>{t("details.mirror.snapshots")}</dt>
          <dd className="mono" translate="no">
            {op.op.value.snapshotIds.map(shortId).join(", ")}
          </dd>
          <dt>{t("details.mirror.copied")}</dt>
          <dd>{formatCount(op.op.value.copied)}</dd>
        </dl>
      );
    case "operationStats": {
      const s = op.op.value.stats;
      if (!s) return null;
      return (
        <dl className="kv small">
          <dt>{t("details.stats.size")}</dt>
          <dd>{formatBytes(s.totalSize)}</dd>
          <dt>{t("details.stats.uncompressed")}</dt>
          <dd>{formatBytes(s.totalUncompressedSize)}</dd>
          <dt>{t("details.stats.compression")}</dt>
          <dd>{s.compressionRatio ? `${formatNumber(s.compressionRatio, 2)}×` : "–"}</dd>
          <dt>{t("details.stats.snapshots")}</dt>
          <dd>{formatCount(s.snapshotCount)}</dd>
          <dt>{t("details.stats.blobs")}</dt>
          <dd>{formatCount(s.totalBlobCount)}</dd>
        </dl>
      );
    }
    case "operationRunHook": {
      const ref = logRefOf(op);
      return (
        <div className="stack">
          <dl className="kv small">
            <dt>{t("details.hook.name")}</dt>
            <dd translate="no">{op.op.value.name}</dd>
            <dt>{t("details.hook.condition")}</dt>
            <dd>{conditionLabel(op.op.value.condition)}</dd>
          </dl>
          {ref ? <LogViewer logRef={ref} /> : <p className="muted">{t("details.noOutput")}</p>}
        </div>
      );
    }
    default:
      return null;
  }
}

/** How a verification drew its sample, in the language shown (the server's words for a sample it did not describe in numbers). */
function sampleText(v: OperationVerify): string {
  if (v.sampleFiles > 0) return i18n.t("operations:details.verify.sampleFiles", { count: v.sampleFiles, n: formatCount(v.sampleFiles) });
  if (v.sampleBytesPercent > 0) return i18n.t("operations:details.verify.sampleShare", { pct: formatNumber(v.sampleBytesPercent, 2) });
  return v.sample || "–";
}

/** What a restore verification drew, what it compared and every mismatch it kept. */
function VerifyDetails({ op }: { op: Operation }) {
  const { t } = useTranslation("operations");
  if (op.op.case !== "operationVerify") return null;
  const v = op.op.value;
  const more = v.mismatchCount - BigInt(v.mismatches.length);
  return (
    <div className="stack">
      <dl className="kv small">
        <dt>{t("details.verify.sample")}</dt>
        <dd>{sampleText(v)}</dd>
        <dt>{t("details.verify.snapshots")}</dt>
        <dd className="mono" translate="no">
          {v.snapshotIds.map(shortId).join(", ") || "–"}
        </dd>
        <dt>{t("details.verify.filesChecked")}</dt>
        <dd>{formatCount(v.filesChecked)}</dd>
        <dt>{t("details.verify.bytesChecked")}</dt>
        <dd>{formatBytes(v.bytesChecked)}</dd>
        <dt>{t("details.verify.liveCompared")}</dt>
        <dd>{formatCount(v.liveCompared)}</dd>
      </dl>
      {v.mismatches.length ? (
        <div>
          <h4>{t("details.verify.mismatches")}</h4>
          <table aria-label={t("details.verify.mismatches")}>
            <thead>
              <tr>
                <th>{t("details.verify.mismatchPath")}</th>
                <th>{t("details.verify.mismatchSnapshot")}</th>
                <th>{t("details.verify.mismatchReason")}</th>
              </tr>
            </thead>
            <tbody>
              {v.mismatches.map((m, i) => (
                <tr key={`${m.snapshotId}:${m.path}:${i}`}>
                  <td className="mono" translate="no">
                    {m.path}
                  </td>
                  <td className="mono" translate="no">
                    {shortId(m.snapshotId)}
                  </td>
                  <td>
                    <strong>{m.live ? t("details.verify.liveSide") : t("details.verify.restoredSide")}</strong>:{" "}
                    <span lang="en">{m.reason}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {more > 0n && <p className="muted small">{t("details.verify.moreMismatches", { n: formatCount(more) })}</p>}
        </div>
      ) : (
        op.status === OperationStatus.STATUS_SUCCESS && <p className="muted">{t("details.verify.noMismatch")}</p>
      )}
    </div>
  );
}

function BackupDetails({ op }: { op: Operation }) {
  const { t } = useTranslation("operations");
  if (op.op.case !== "operationBackup") return null;
  const b = op.op.value;
  const entry = b.lastStatus?.entry;
  return (
    <div className="stack">
      {b.dryRun && <div className="banner banner-info">{t("backup.dryRun")}</div>}
      {entry?.case === "status" && op.status === OperationStatus.STATUS_INPROGRESS && (
        <BackupProgressView op={op} currentFile={entry.value.currentFile} />
      )}
      {entry?.case === "summary" && <BackupSummaryView summary={entry.value} />}
      {b.errors.length > 0 && <FileErrors errors={b.errors} />}
    </div>
  );
}

function BackupProgressView({ op, currentFile }: { op: Operation; currentFile: string[] }) {
  const { t } = useTranslation("operations");
  const progress = progressOf(op);
  if (!progress) return null;
  return (
    <div className="stack">
      <ProgressBar fraction={progress.fraction} label={t("backup.progress")} />
      <div className="small">
        {progress.fraction !== null && <strong>{formatNumber(Math.round(progress.fraction * 100))}% </strong>}
        {progress.text}
        {progress.remainingMs !== null && (
          <span className="muted"> · {t("backup.remaining", { duration: formatDuration(progress.remainingMs) })}</span>
        )}
      </div>
      {currentFile.length > 0 && (
        <div className="small muted mono ellipsis" title={currentFile.join("\n")} translate="no">
          {currentFile[0]}
        </div>
      )}
    </div>
  );
}

function BackupSummaryView({ summary: s }: { summary: BackupProgressSummary }) {
  const { t } = useTranslation("operations");
  return (
    <dl className="kv small">
      <dt>{t("backup.snapshot")}</dt>
      {s.snapshotId ? (
        <dd className="mono" translate="no">
          {shortId(s.snapshotId)}
        </dd>
      ) : (
        <dd className="mono">{t("backup.noSnapshot")}</dd>
      )}
      <dt>{t("backup.files")}</dt>
      <dd>
        {t("backup.filesValue", {
          new: formatCount(s.filesNew),
          changed: formatCount(s.filesChanged),
          unmodified: formatCount(s.filesUnmodified),
        })}
      </dd>
      <dt>{t("backup.added")}</dt>
      <dd>{formatBytes(s.dataAdded)}</dd>
      <dt>{t("backup.processed")}</dt>
      <dd>
        {t("backup.processedValue", {
          bytes: formatBytes(s.totalBytesProcessed),
          count: Number(s.totalFilesProcessed),
          n: formatCount(s.totalFilesProcessed),
        })}
      </dd>
    </dl>
  );
}

function FileErrors({ errors }: { errors: BackupProgressError[] }) {
  const { t } = useTranslation("operations");
  return (
    <div>
      <h4>{t("backup.fileErrors", { n: formatCount(errors.length) })}</h4>
      <div className="scroll-box">
        <table>
          <tbody>
            {errors.map((e, i) => (
              <tr key={i}>
                <td className="mono small" translate="no">
                  {e.item}
                </td>
                <td className="small">{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SnapshotDetails({ op, snapshot, forgot }: { op: Operation; snapshot: ResticSnapshot; forgot: boolean }) {
  const { t } = useTranslation("operations");
  const [browsing, setBrowsing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [forget, forgetting] = useAction(
    () => backrest.forget({ repoId: op.repoId, planId: op.planId, snapshotId: snapshot.id }),
    t("snapshot.forgetting"),
  );
  return (
    <div className="stack">
      <SnapshotFacts snapshot={snapshot} />
      {forgot ? (
        <p className="muted">{t("snapshot.forgotten")}</p>
      ) : (
        <div className="row">
          <button type="button" className="primary" onClick={() => setBrowsing((b) => !b)}>
            {browsing ? t("snapshot.hideFiles") : t("snapshot.browse")}
          </button>
          {op.planId && (
            <button type="button" disabled={forgetting} onClick={() => setConfirm(true)}>
              {t("snapshot.forget")}
            </button>
          )}
        </div>
      )}
      {browsing && !forgot && <SnapshotBrowser repoId={op.repoId} planId={op.planId} snapshot={snapshot} indexOpId={op.id} />}
      {confirm && (
        <Confirm
          title={t("snapshot.confirmTitle")}
          message={t("snapshot.confirmMessage", { id: shortId(snapshot.id) })}
          confirmLabel={t("snapshot.forget")}
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

function SnapshotFacts({ snapshot }: { snapshot: ResticSnapshot }) {
  const { t } = useTranslation("operations");
  return (
    <dl className="kv small">
      <dt>{t("snapshot.id")}</dt>
      <dd className="mono" translate="no">
        {snapshot.id}
      </dd>
      <dt>{t("snapshot.taken")}</dt>
      <dd>{formatTime(snapshot.unixTimeMs)}</dd>
      <dt>{t("snapshot.by")}</dt>
      <dd translate="no">
        {snapshot.username}@{snapshot.hostname}
      </dd>
      <dt>{t("snapshot.paths")}</dt>
      <dd className="mono" translate="no">
        {snapshot.paths.join(", ")}
      </dd>
      <dt>{t("snapshot.tags")}</dt>
      <dd translate="no">{snapshot.tags.join(", ") || "–"}</dd>
    </dl>
  );
}

function RestoreDetails({ op }: { op: Operation }) {
  const { t } = useTranslation("operations");
  if (op.op.case !== "operationRestore") return null;
  const r = op.op.value;
  const progress = progressOf(op);
  return (
    <div className="stack">
      <dl className="kv small">
        <dt>{t("restore.from")}</dt>
        <dd className="mono" translate="no">
          {shortId(op.snapshotId)}:{r.path || "/"}
        </dd>
        <dt>{t("restore.to")}</dt>
        <dd className="mono" translate="no">
          {r.target}
        </dd>
      </dl>
      {progress && (
        <div className="stack">
          <ProgressBar fraction={progress.fraction} label={t("restore.progress")} />
          <div className="small">{progress.text}</div>
        </div>
      )}
      {op.status === OperationStatus.STATUS_SUCCESS && <DownloadButtons opId={op.id} label={t("restore.download")} />}
    </div>
  );
}

/** Links to the operation's files, signed by the server on demand: a file as itself, a directory as
 * tar.gz or zip. */
export function DownloadButtons({ opId, filePath, label }: { opId: bigint; filePath?: string; label: string }) {
  const { t } = useTranslation("operations");
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    backrest
      .getDownloadURL({ opId, filePath: filePath ?? "" })
      .then((r) => live && setUrl(r.value))
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [opId, filePath]);
  if (error) return <span className="field-error">{error}</span>;
  if (!url) return <span className="muted small">{t("download.preparing")}</span>;
  if (!url.endsWith(".tar.gz")) {
    return (
      <div className="row">
        <a className="button" href={downloadLink(url)} download>
          {label}
        </a>
      </div>
    );
  }
  // The archive formats' names are the same in every language.
  return (
    <div className="row">
      <a className="button" href={downloadLink(url)} download>
        {label} <span translate="no">(.tar.gz)</span>
      </a>
      <a className="button" href={downloadLink(url, "zip")} download translate="no">
        .zip
      </a>
    </div>
  );
}

function Actions({ op }: { op: Operation }) {
  const { t } = useTranslation("operations");
  const { t: tc } = useTranslation("common");
  const [confirm, setConfirm] = useState<"cancel" | "delete" | null>(null);
  // A fleet client's operation is cancelled by the client, asked through its session.
  const [cancel, cancelling] = useAction(
    () =>
      op.originalInstanceKeyid
        ? cairn.runRemoteTask({ peerKeyid: op.originalInstanceKeyid, task: "cancel", operationId: op.id })
        : backrest.cancel({ operationId: op.id }),
    t("actions.cancelRequested"),
  );
  const [remove] = useAction(() => backrest.clearHistory({ selector: { ids: [op.id] } }), t("actions.deleted"));
  const ref = logRefOf(op);
  const showLogButton = ref && !["operationPrune", "operationCheck", "operationRunCommand", "operationRunHook"].includes(op.op.case ?? "");
  const cancelValues = { kind: kindLabel(op), id: String(op.id) };
  return (
    <div className="row">
      {isActive(op) && (
        <button type="button" className="danger" disabled={cancelling} onClick={() => setConfirm("cancel")}>
          {tc("cancel")}
        </button>
      )}
      {showLogButton && <LogButton logRef={ref} />}
      {!isActive(op) && (
        <button type="button" onClick={() => setConfirm("delete")}>
          {t("actions.delete")}
        </button>
      )}
      {confirm === "cancel" && (
        <Confirm
          title={t("actions.cancelTitle")}
          message={
            op.op.case === "operationBackup" ? t("actions.cancelBackupMessage", cancelValues) : t("actions.cancelMessage", cancelValues)
          }
          confirmLabel={t("actions.cancelConfirm")}
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
          title={t("actions.deleteTitle")}
          message={t("actions.deleteMessage")}
          confirmLabel={tc("delete")}
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
