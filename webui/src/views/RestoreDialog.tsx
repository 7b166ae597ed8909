// Restores one path of a snapshot to a folder on the server: the target has path completion and a
// default beside the original; after starting, the dialog follows the restore's progress to its end.
import { useState } from "react";
import { OperationStatus } from "@gen/v1/operations_pb";
import { backrest } from "../api/client";
import { errorMessage } from "../api/errors";
import { Modal } from "../components/Modal";
import { Field } from "../components/Field";
import { PathInput } from "../components/PathInput";
import { ProgressBar, StatusBadge } from "../components/Status";
import { useOperations } from "../state/operations";
import { progressOf } from "../lib/operations";
import { shortId } from "../lib/format";
import { Trans, useTranslation } from "../i18n";
import { DownloadButtons } from "./OperationDetails";

const CODE = { code: <code translate="no" /> };

/** Where the server restores when the target is left empty (a path pattern, the same in every language). */
const SERVER_DEFAULT = "~/Downloads/cairn-restore-<time>";

export function defaultTarget(path: string, snapshotId: string): string {
  const base = path === "/" ? "/restore" : path.replace(/\/+$/, "");
  return `${base}-restore-${shortId(snapshotId)}`;
}

export function RestoreDialog(props: { repoId: string; planId: string; snapshotId: string; path: string; onClose: () => void }) {
  const [target, setTarget] = useState(defaultTarget(props.path, props.snapshotId));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [opId, setOpId] = useState<bigint | null>(null);
  const { t } = useTranslation("snapshots");
  const { t: tc } = useTranslation("common");

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await backrest.restore({
        repoId: props.repoId,
        planId: props.planId,
        snapshotId: props.snapshotId,
        path: props.path,
        target: target.trim(),
      });
      setOpId(r.operationId);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      title={t("restore.title")}
      onClose={props.onClose}
      footer={
        opId === null ? (
          <>
            <button type="button" onClick={props.onClose}>
              {tc("close")}
            </button>
            <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
              {t("restore.start")}
            </button>
          </>
        ) : (
          <button type="button" onClick={props.onClose}>
            {tc("close")}
          </button>
        )
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
      {opId === null ? (
        <Field label={t("restore.target")} error={error ?? undefined} hint={t("restore.targetHint", { path: SERVER_DEFAULT })}>
          <PathInput value={target} onChange={setTarget} />
        </Field>
      ) : (
        <RestoreProgress opId={opId} />
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
        <>
          <p>
            <Trans t={t} i18nKey="restore.restoredTo" components={CODE} values={{ target: op.op.value.target }} shouldUnescape />
          </p>
          <DownloadButtons opId={op.id} label={t("restore.download")} />
        </>
      )}
    </div>
  );
}
