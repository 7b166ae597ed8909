// What an operation is, in words: its kind, its status, a one-line summary, and its progress.
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { Hook_Condition } from "@gen/v1/config_pb";
import { formatBytes, formatCount, formatDuration, shortId } from "./format";

export type OpKind = NonNullable<Operation["op"]["case"]>;

export const KIND_LABEL: Record<OpKind, string> = {
  operationBackup: "Backup",
  operationIndexSnapshot: "Snapshot",
  operationForget: "Forget",
  operationPrune: "Prune",
  operationRestore: "Restore",
  operationStats: "Stats",
  operationRunHook: "Hook",
  operationCheck: "Check",
  operationRunCommand: "Command",
};

export function kindLabel(op: Operation): string {
  if (op.op.case === "operationBackup" && op.op.value.dryRun) return "Dry run";
  return op.op.case ? KIND_LABEL[op.op.case] : "Operation";
}

export const STATUS_LABEL: Record<OperationStatus, string> = {
  [OperationStatus.STATUS_UNKNOWN]: "unknown",
  [OperationStatus.STATUS_PENDING]: "pending",
  [OperationStatus.STATUS_INPROGRESS]: "running",
  [OperationStatus.STATUS_SUCCESS]: "success",
  [OperationStatus.STATUS_WARNING]: "warning",
  [OperationStatus.STATUS_ERROR]: "error",
  [OperationStatus.STATUS_SYSTEM_CANCELLED]: "cancelled by system",
  [OperationStatus.STATUS_USER_CANCELLED]: "cancelled",
};

/** A CSS modifier for a status: ok, warn, err, run, wait, off. */
export function statusTone(s: OperationStatus): string {
  switch (s) {
    case OperationStatus.STATUS_SUCCESS:
      return "ok";
    case OperationStatus.STATUS_WARNING:
      return "warn";
    case OperationStatus.STATUS_ERROR:
      return "err";
    case OperationStatus.STATUS_INPROGRESS:
      return "run";
    case OperationStatus.STATUS_PENDING:
      return "wait";
    default:
      return "off";
  }
}

export function isRunning(op: Operation): boolean {
  return op.status === OperationStatus.STATUS_INPROGRESS;
}

export function isActive(op: Operation): boolean {
  return op.status === OperationStatus.STATUS_INPROGRESS || op.status === OperationStatus.STATUS_PENDING;
}

/** Worse statuses win when a flow is summed up. */
const SEVERITY: Record<OperationStatus, number> = {
  [OperationStatus.STATUS_UNKNOWN]: 0,
  [OperationStatus.STATUS_SYSTEM_CANCELLED]: 1,
  [OperationStatus.STATUS_SUCCESS]: 2,
  [OperationStatus.STATUS_PENDING]: 3,
  [OperationStatus.STATUS_USER_CANCELLED]: 4,
  [OperationStatus.STATUS_WARNING]: 5,
  [OperationStatus.STATUS_INPROGRESS]: 6,
  [OperationStatus.STATUS_ERROR]: 7,
};

export function worstStatus(statuses: OperationStatus[]): OperationStatus {
  return statuses.reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), OperationStatus.STATUS_UNKNOWN);
}

export interface Progress {
  /** 0..1, or null when the total is not known yet. */
  fraction: number | null;
  text: string;
  /** Estimated milliseconds left, when it can be told. */
  remainingMs: number | null;
}

/** A running backup's or restore's progress. */
export function progressOf(op: Operation, now = Date.now()): Progress | null {
  const elapsed = now - Number(op.unixTimeStartMs);
  const eta = (f: number) => (f > 0.02 && f < 1 ? (elapsed / f) * (1 - f) : null);
  if (op.op.case === "operationBackup") {
    const e = op.op.value.lastStatus?.entry;
    if (e?.case !== "status") return null;
    const s = e.value;
    const f = s.totalBytes > 0n ? Number(s.bytesDone) / Number(s.totalBytes) : s.percentDone || null;
    return {
      fraction: f,
      text: `${formatCount(s.filesDone)} / ${formatCount(s.totalFiles)} files, ${formatBytes(s.bytesDone)} / ${formatBytes(s.totalBytes)}`,
      remainingMs: f === null ? null : eta(f),
    };
  }
  if (op.op.case === "operationRestore") {
    const s = op.op.value.lastStatus;
    if (!s) return null;
    const f = s.totalBytes > 0n ? Number(s.bytesRestored) / Number(s.totalBytes) : s.percentDone || null;
    return {
      fraction: f,
      text: `${formatCount(s.filesRestored)} / ${formatCount(s.totalFiles)} files, ${formatBytes(s.bytesRestored)} / ${formatBytes(s.totalBytes)}`,
      remainingMs: f === null ? null : eta(f),
    };
  }
  return null;
}

/** One line saying what the operation did or is doing. */
export function summaryOf(op: Operation): string {
  const parts: string[] = [];
  switch (op.op.case) {
    case "operationBackup": {
      const e = op.op.value.lastStatus?.entry;
      if (e?.case === "summary") {
        const s = e.value;
        if (s.snapshotId) parts.push(`snapshot ${shortId(s.snapshotId)}`);
        parts.push(`${formatBytes(s.dataAdded)} added of ${formatBytes(s.totalBytesProcessed)}`);
        parts.push(`${formatCount(s.filesNew)} new, ${formatCount(s.filesChanged)} changed files`);
      }
      if (op.op.value.errors.length) parts.push(`${op.op.value.errors.length} file error(s)`);
      break;
    }
    case "operationIndexSnapshot": {
      const s = op.op.value.snapshot;
      if (s) parts.push(`snapshot ${shortId(s.id)} of ${s.paths.join(", ")}`);
      if (op.op.value.forgot) parts.push("forgotten");
      break;
    }
    case "operationForget":
      parts.push(`${op.op.value.forget.length} snapshot(s) removed`);
      break;
    case "operationRestore":
      parts.push(`${op.op.value.path || "/"} → ${op.op.value.target}`);
      break;
    case "operationStats": {
      const s = op.op.value.stats;
      if (s) parts.push(`${formatBytes(s.totalSize)} in ${formatCount(s.snapshotCount)} snapshots`);
      break;
    }
    case "operationRunHook":
      parts.push(`${conditionLabel(op.op.value.condition)}: ${op.op.value.name}`);
      break;
    case "operationRunCommand":
      parts.push(`restic ${op.op.value.command}`);
      break;
    default:
      break;
  }
  if (op.unixTimeEndMs > 0n && op.unixTimeStartMs > 0n) {
    parts.push(`took ${formatDuration(Number(op.unixTimeEndMs - op.unixTimeStartMs))}`);
  }
  if (op.displayMessage) parts.push(op.displayMessage);
  return parts.join(" · ");
}

export function conditionLabel(c: Hook_Condition): string {
  const name = Hook_Condition[c] ?? String(c);
  return name
    .replace(/^CONDITION_/, "")
    .toLowerCase()
    .replace(/_/g, " ");
}

/** The log a person would want to read for an operation, if any. */
export function logRefOf(op: Operation): string | null {
  switch (op.op.case) {
    case "operationPrune":
    case "operationCheck":
    case "operationRunCommand":
      return op.op.value.outputLogref || op.logref || null;
    case "operationRunHook":
      return op.logref || op.op.value.outputLogref || null;
    default:
      return op.logref || null;
  }
}
