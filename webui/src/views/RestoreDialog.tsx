// Restores paths of a snapshot on the server, into a folder (with path completion and a default beside
// the original) or in place, optionally over existing files; a preview (a dry run) lists what would be
// written and deleted before anything is. After starting, the dialog follows the restore to its end.
import { useState } from "react";
import { OperationStatus, RestoreOverwrite, type Operation, type OperationRestore } from "@gen/v1/operations_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";
import { Modal } from "../components/Modal";
import { ProgressBar, StatusBadge } from "../components/Status";
import { useOperations } from "../state/operations";
import { progressOf } from "../lib/operations";
import { shortId } from "../lib/format";
import { Trans, useTranslation } from "../i18n";
import { DownloadButtons } from "./OperationDetails";
import { LogViewer } from "./LogViewer";
import { RestoreOptions, extraPaths, type RestoreChoices } from "./RestoreOptions";

const CODE = { code: <code translate="no" /> };

/** Where the server restores when the target is left empty (a path pattern, the same in every language). */
const SERVER_DEFAULT = "~/Downloads/cairn-restore-<time>";

/** The suggested target: beside the path; for several paths, a folder beside the first that holds them all. */
export function defaultTarget(path: string, snapshotId: string, several = false): string {
  const trimmed = path.replace(/\/+$/, "");
  const base = path === "/" ? "/restore" : several ? `${trimmed.slice(0, trimmed.lastIndexOf("/"))}/cairn` : trimmed;
  return `${base}-restore-${shortId(snapshotId)}`;
}

export function RestoreDialog(props: {
  repoId: string;
  planId: string;
  snapshotId: string;
  path: string;
  /** Further paths of the same snapshot, restored by the same operation. */
  morePaths?: string[];
  onClose: () => void;
}) {
  const more = props.morePaths ?? [];
  const [choices, setChoices] = useState<RestoreChoices>({
    inPlace: false,
    target: defaultTarget(props.path, props.snapshotId, more.length > 0),
    morePaths: more.join("\n"),
    overwrite: RestoreOverwrite.REFUSE,
    deleteExtra: false,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [run, setRun] = useState<{ opId: bigint; dryRun: boolean } | null>(null);
  const { t } = useTranslation("snapshots");
  const { t: tc } = useTranslation("common");

  const start = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await backrest.restore({
        repoId: props.repoId,
        planId: props.planId,
        snapshotId: props.snapshotId,
        path: props.path,
        paths: extraPaths(choices),
        target: choices.inPlace ? "" : choices.target.trim(),
        inPlace: choices.inPlace,
        overwrite: choices.overwrite,
        delete: choices.deleteExtra,
        dryRun,
      });
      setRun({ opId: r.operationId, dryRun });
    } catch (e) {
      setRun(null);
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const startButtons = (
    <>
      <button type="button" disabled={busy} onClick={() => void start(true)}>
        {t("restore.preview")}
      </button>
      <button type="button" className="primary" disabled={busy} onClick={() => void start(false)}>
        {t("restore.start")}
      </button>
    </>
  );
  return (
    <Modal
      title={t("restore.title")}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" onClick={props.onClose}>
            {tc("close")}
          </button>
          {run === null && startButtons}
          {run?.dryRun && (
            <button type="button" className="primary" disabled={busy} onClick={() => void start(false)}>
              {t("restore.apply")}
            </button>
          )}
        </>
      }
    >
      <p>
        <Trans
          t={t}
          i18nKey="restore.intro"
          components={CODE}
          values={{ path: props.path, id: shortId(props.snapshotId) }}
          shouldUnescape
        />
      </p>
      {run === null ? (
        <RestoreOptions
          value={choices}
          onChange={setChoices}
          error={error ?? undefined}
          targetHint={t("restore.targetHint", { path: SERVER_DEFAULT })}
        />
      ) : (
        <RestoreProgress key={String(run.opId)} opId={run.opId} />
      )}
    </Modal>
  );
}

function RestoreProgress({ opId }: { opId: bigint }) {
  const { ops } = useOperations({ ids: [opId] });
  const op = ops.get(opId);
  const { t } = useTranslation("snapshots");
  if (!op) return <p className="muted">{t("restore.starting")}</p>;
  const progress = progressOf(op);
  return (
    <div className="stack" aria-live="polite">
      <div className="row">
        {t("restore.progressTitle")} <StatusBadge status={op.status} />
      </div>
      {progress && (
        <ProgressBar fraction={op.status === OperationStatus.STATUS_SUCCESS ? 1 : progress.fraction} label={t("restore.progress")} />
      )}
      {progress && <div className="small">{progress.text}</div>}
      {op.displayMessage && <div className="small">{op.displayMessage}</div>}
      {op.status === OperationStatus.STATUS_SUCCESS && op.op.case === "operationRestore" && (
        <RestoreOutcome op={op} restore={op.op.value} />
      )}
    </div>
  );
}

/** What a finished restore did: where a plain one landed (with its download), or what one laid over
 * existing files wrote, kept and deleted, with its log listing each change. */
function RestoreOutcome({ op, restore }: { op: Operation; restore: OperationRestore }) {
  const { t } = useTranslation("snapshots");
  const changes = restore.changes;
  if (!changes) {
    return (
      <>
        <p>
          <Trans t={t} i18nKey="restore.restoredTo" components={CODE} values={{ target: restore.target }} shouldUnescape />
        </p>
        <DownloadButtons opId={op.id} label={t("restore.download")} />
      </>
    );
  }
  const counts = { written: String(changes.written), kept: String(changes.kept), deleted: String(changes.deleted) };
  return (
    <>
      {restore.dryRun && <strong>{t("restore.previewTitle")}</strong>}
      <p className="restore-changes">{t(restore.dryRun ? "restore.planned" : "restore.changed", counts)}</p>
      {op.logref && (
        <section aria-label={t("restore.changesLog")}>
          <LogViewer logRef={op.logref} />
        </section>
      )}
    </>
  );
}
