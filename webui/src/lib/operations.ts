// What an operation is, in words: its kind, its status, a one-line summary, and its progress.
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { Hook_Condition } from "@gen/v1/config_pb";
import { i18n } from "../i18n";
import { formatBytes, formatCount, formatDuration, shortId } from "./format";

export type OpKind = NonNullable<Operation["op"]["case"]>;

const KIND_KEY = {
  operationBackup: "backup",
  operationIndexSnapshot: "indexSnapshot",
  operationForget: "forget",
  operationPrune: "prune",
  operationRestore: "restore",
  operationStats: "stats",
  operationRunHook: "hook",
  operationCheck: "check",
  operationRunCommand: "command",
  operationVerify: "verify",
  operationMirror: "mirror",
} as const satisfies Record<OpKind, string>;

/** The name of an operation kind, in the language shown now. */
function kindName(kind: OpKind): string {
  return i18n.t(`operations:kind.${KIND_KEY[kind]}`);
}

export function kindLabel(op: Operation): string {
  if (op.op.case === "operationBackup" && op.op.value.dryRun) return i18n.t("operations:kind.dryRun");
  return op.op.case ? kindName(op.op.case) : i18n.t("operations:kind.unknown");
}

const STATUS_KEY = {
  [OperationStatus.STATUS_UNKNOWN]: "unknown",
  [OperationStatus.STATUS_PENDING]: "pending",
  [OperationStatus.STATUS_INPROGRESS]: "running",
  [OperationStatus.STATUS_SUCCESS]: "success",
  [OperationStatus.STATUS_WARNING]: "warning",
  [OperationStatus.STATUS_ERROR]: "error",
  [OperationStatus.STATUS_SYSTEM_CANCELLED]: "systemCancelled",
  [OperationStatus.STATUS_USER_CANCELLED]: "cancelled",
} as const satisfies Record<OperationStatus, string>;

/** The name of an operation status, in the language shown now. */
export function statusLabel(s: OperationStatus): string {
  return i18n.t(`operations:status.${STATUS_KEY[s] ?? "unknown"}`);
}

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

/** "12 / 40 files, 3 MiB / 9 MiB". */
function progressText(filesDone: bigint, totalFiles: bigint, bytesDone: bigint, totalBytes: bigint): string {
  return i18n.t("operations:progress.files", {
    filesDone: formatCount(filesDone),
    totalFiles: formatCount(totalFiles),
    bytesDone: formatBytes(bytesDone),
    totalBytes: formatBytes(totalBytes),
  });
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
      text: progressText(s.filesDone, s.totalFiles, s.bytesDone, s.totalBytes),
      remainingMs: f === null ? null : eta(f),
    };
  }
  if (op.op.case === "operationRestore") {
    const s = op.op.value.lastStatus;
    if (!s) return null;
    const f = s.totalBytes > 0n ? Number(s.bytesRestored) / Number(s.totalBytes) : s.percentDone || null;
    return {
      fraction: f,
      text: progressText(s.filesRestored, s.totalFiles, s.bytesRestored, s.totalBytes),
      remainingMs: f === null ? null : eta(f),
    };
  }
  return null;
}

/** A count for a plural message: `count` picks the form, `n` is the number as written in the language. */
function counted(count: number | bigint): { count: number; n: string } {
  return { count: Number(count), n: formatCount(count) };
}

/**
 * A piece of an operation's summary line: the UI's own words (with data inside their placeholders),
 * data alone (paths), or text the server wrote (shown as written, in English).
 */
export type SummaryPart = { text: string; origin: "ui" | "data" | "server" };

const ui = (text: string): SummaryPart => ({ text, origin: "ui" });

/** What the kind of operation records, as parts of its summary line. */
function kindSummary(op: Operation): SummaryPart[] {
  const parts: SummaryPart[] = [];
  switch (op.op.case) {
    case "operationBackup": {
      const e = op.op.value.lastStatus?.entry;
      if (e?.case === "summary") {
        const s = e.value;
        if (s.snapshotId) parts.push(ui(i18n.t("operations:summary.snapshot", { id: shortId(s.snapshotId) })));
        parts.push(
          ui(i18n.t("operations:summary.added", { added: formatBytes(s.dataAdded), processed: formatBytes(s.totalBytesProcessed) })),
        );
        parts.push(ui(i18n.t("operations:summary.files", { new: formatCount(s.filesNew), changed: formatCount(s.filesChanged) })));
      }
      if (op.op.value.errors.length) parts.push(ui(i18n.t("operations:summary.fileErrors", counted(op.op.value.errors.length))));
      break;
    }
    case "operationIndexSnapshot": {
      const s = op.op.value.snapshot;
      if (s) parts.push(ui(i18n.t("operations:summary.indexed", { id: shortId(s.id), paths: s.paths.join(", ") })));
      if (op.op.value.forgot) parts.push(ui(i18n.t("operations:summary.forgotten")));
      break;
    }
    case "operationForget":
      parts.push(ui(i18n.t("operations:summary.removed", counted(op.op.value.forget.length))));
      break;
    case "operationRestore":
      parts.push({ text: `${op.op.value.path || "/"} → ${op.op.value.target}`, origin: "data" });
      break;
    case "operationStats": {
      const s = op.op.value.stats;
      if (s) parts.push(ui(i18n.t("operations:summary.stats", { size: formatBytes(s.totalSize), ...counted(s.snapshotCount) })));
      break;
    }
    case "operationRunHook":
      parts.push(ui(conditionLabel(op.op.value.condition)), { text: op.op.value.name, origin: "data" });
      break;
    case "operationRunCommand":
      parts.push(ui(i18n.t("operations:summary.command", { command: op.op.value.command })));
      break;
    case "operationMirror": {
      const key = op.op.value.copied > 0 ? "operations:summary.mirrored" : "operations:summary.mirrorHeld";
      parts.push(ui(i18n.t(key, { repo: op.repoId })));
      break;
    }
    case "operationVerify": {
      const v = op.op.value;
      if (v.filesChecked > 0n)
        parts.push(ui(i18n.t("operations:summary.verified", { ...counted(v.filesChecked), bytes: formatBytes(v.bytesChecked) })));
      if (v.mismatchCount > 0n) parts.push(ui(i18n.t("operations:summary.mismatches", counted(v.mismatchCount))));
      break;
    }
    default:
      break;
  }
  return parts;
}

/** One line saying what the operation did or is doing. */
export function summaryOf(op: Operation): SummaryPart[] {
  const parts = kindSummary(op);
  if (op.unixTimeEndMs > 0n && op.unixTimeStartMs > 0n) {
    parts.push(ui(i18n.t("operations:summary.took", { duration: formatDuration(Number(op.unixTimeEndMs - op.unixTimeStartMs)) })));
  }
  if (op.displayMessage) parts.push({ text: op.displayMessage, origin: "server" });
  return parts;
}

const CONDITION_KEY = {
  [Hook_Condition.UNKNOWN]: "unknown",
  [Hook_Condition.ANY_ERROR]: "anyError",
  [Hook_Condition.SNAPSHOT_START]: "snapshotStart",
  [Hook_Condition.SNAPSHOT_END]: "snapshotEnd",
  [Hook_Condition.SNAPSHOT_ERROR]: "snapshotError",
  [Hook_Condition.SNAPSHOT_WARNING]: "snapshotWarning",
  [Hook_Condition.SNAPSHOT_SUCCESS]: "snapshotSuccess",
  [Hook_Condition.SNAPSHOT_SKIPPED]: "snapshotSkipped",
  [Hook_Condition.PRUNE_START]: "pruneStart",
  [Hook_Condition.PRUNE_ERROR]: "pruneError",
  [Hook_Condition.PRUNE_SUCCESS]: "pruneSuccess",
  [Hook_Condition.CHECK_START]: "checkStart",
  [Hook_Condition.CHECK_ERROR]: "checkError",
  [Hook_Condition.CHECK_SUCCESS]: "checkSuccess",
  [Hook_Condition.FORGET_START]: "forgetStart",
  [Hook_Condition.FORGET_ERROR]: "forgetError",
  [Hook_Condition.FORGET_SUCCESS]: "forgetSuccess",
} as const satisfies Record<Hook_Condition, string>;

/** The event a hook ran on, in words; a condition newer than this UI shows as its number. */
export function conditionLabel(c: Hook_Condition): string {
  const key = (CONDITION_KEY as Partial<Record<Hook_Condition, (typeof CONDITION_KEY)[Hook_Condition]>>)[c];
  return key ? i18n.t(`operations:condition.${key}`) : String(c);
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
