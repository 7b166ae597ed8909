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
import { DownloadButtons } from "./OperationDetails";

export function defaultTarget(path: string, snapshotId: string): string {
  const base = path === "/" ? "/restore" : path.replace(/\/+$/, "");
  return `${base}-restore-${shortId(snapshotId)}`;
}

export function RestoreDialog(props: { repoId: string; planId: string; snapshotId: string; path: string; onClose: () => void }) {
  const [target, setTarget] = useState(defaultTarget(props.path, props.snapshotId));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [opId, setOpId] = useState<bigint | null>(null);

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
      title="Restore"
      onClose={props.onClose}
      footer={
        opId === null ? (
          <>
            <button type="button" onClick={props.onClose}>
              Close
            </button>
            <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
              Start restore
            </button>
          </>
        ) : (
          <button type="button" onClick={props.onClose}>
            Close
          </button>
        )
      }
    >
      <p>
        Restores <code>{props.path}</code> from snapshot <code>{shortId(props.snapshotId)}</code> on the server.
      </p>
      {opId === null ? (
        <Field
          label="Restore to"
          error={error ?? undefined}
          hint="An absolute folder on the server that does not exist yet or is empty. Leave empty for ~/Downloads/cairn-restore-<time>."
        >
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
  if (!op) return <p className="muted">Starting…</p>;
  const progress = progressOf(op);
  return (
    <div className="stack" aria-live="polite">
      <div className="row">
        Restore <StatusBadge status={op.status} />
      </div>
      {progress && <ProgressBar fraction={op.status === OperationStatus.STATUS_SUCCESS ? 1 : progress.fraction} label="Restore progress" />}
      {progress && <div className="small">{progress.text}</div>}
      {op.displayMessage && <div className="small">{op.displayMessage}</div>}
      {op.status === OperationStatus.STATUS_SUCCESS && op.op.case === "operationRestore" && (
        <>
          <p>
            Restored to <code>{op.op.value.target}</code>.
          </p>
          <DownloadButtons opId={op.id} label="Download restored files" />
        </>
      )}
    </div>
  );
}
