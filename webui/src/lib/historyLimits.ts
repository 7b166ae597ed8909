// Editing cairn's history limits (how much operation history the garbage collector keeps per kind):
// the kinds the server accepts, Backrest's defaults for each, and row edits that keep kinds unique.
import { create } from "@bufbuild/protobuf";
import { HistoryLimitSchema, type HistoryLimit } from "@gen/v1/config_pb";
import { i18n } from "../i18n";

/** The kinds a limit may name, "default" covering every kind not listed (the server's list). */
export const HISTORY_KINDS = [
  "default",
  "backup",
  "index_snapshot",
  "forget",
  "prune",
  "check",
  "stats",
  "restore",
  "hook",
  "run_command",
  "verify",
  "mirror",
] as const;

export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface LimitValues {
  maxAgeDays: number;
  keepMin: number;
  keepMax: number;
}

/** What the server keeps for a kind when no limit names it: Backrest's limits. */
export function defaultLimit(kind: string): LimitValues {
  switch (kind) {
    case "stats":
      return { maxAgeDays: 365, keepMin: 1, keepMax: 100 };
    case "check":
    case "prune":
      return { maxAgeDays: 365, keepMin: 1, keepMax: 12 };
    case "forget":
      return { maxAgeDays: 30, keepMin: 1, keepMax: 30 };
    case "verify":
      return { maxAgeDays: 365, keepMin: 1, keepMax: 52 };
    default:
      return { maxAgeDays: 30, keepMin: 1, keepMax: 100 };
  }
}

function isHistoryKind(kind: string): kind is HistoryKind {
  return (HISTORY_KINDS as readonly string[]).includes(kind);
}

/** A kind's name in the language shown now; a kind this UI does not know, as the server wrote it. */
export function kindLabel(kind: string): string {
  return isHistoryKind(kind) ? i18n.t(`settings:history.kinds.${kind}`) : kind;
}

/** Kinds not yet used by any row (except row `except`, whose own kind stays selectable). */
export function availableKinds(rows: HistoryLimit[], except = -1): HistoryKind[] {
  const used = new Set(rows.filter((_, i) => i !== except).map((r) => r.kind));
  return HISTORY_KINDS.filter((k) => !used.has(k));
}

/** Adds a row for the first unused kind, with that kind's default values; the same rows when all are used. */
export function addLimit(rows: HistoryLimit[]): HistoryLimit[] {
  const kind = availableKinds(rows)[0];
  if (!kind) return rows;
  return [...rows, create(HistoryLimitSchema, { kind, ...defaultLimit(kind) })];
}

/** Changes one row. A kind change on a row still holding the old kind's defaults takes the new kind's. */
export function updateLimit(rows: HistoryLimit[], index: number, patch: Partial<LimitValues & { kind: string }>): HistoryLimit[] {
  return rows.map((r, i) => {
    if (i !== index) return r;
    const next = create(HistoryLimitSchema, { kind: r.kind, maxAgeDays: r.maxAgeDays, keepMin: r.keepMin, keepMax: r.keepMax });
    if (patch.kind !== undefined && patch.kind !== r.kind) {
      const old = defaultLimit(r.kind);
      const untouched = r.maxAgeDays === old.maxAgeDays && r.keepMin === old.keepMin && r.keepMax === old.keepMax;
      next.kind = patch.kind;
      if (untouched) Object.assign(next, defaultLimit(patch.kind));
    }
    if (patch.maxAgeDays !== undefined) next.maxAgeDays = patch.maxAgeDays;
    if (patch.keepMin !== undefined) next.keepMin = patch.keepMin;
    if (patch.keepMax !== undefined) next.keepMax = patch.keepMax;
    return next;
  });
}

export function removeLimit(rows: HistoryLimit[], index: number): HistoryLimit[] {
  return rows.filter((_, i) => i !== index);
}

/** A number field's text as an int32: empty is 0, fractions are cut, out-of-range values clamped. */
export function parseCount(text: string): number {
  const t = text.trim();
  if (t === "") return 0;
  const n = Math.trunc(Number(t));
  if (!Number.isFinite(n)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, n));
}
