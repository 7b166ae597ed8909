// Groups operations into flows (one run of a plan: its backup, snapshot indexing, retention forget and
// hooks share a flow id) and flows into days, newest first: the rows of the operation tree.
import { OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { worstStatus } from "./operations";
import { i18n } from "../i18n";

export interface Flow {
  id: bigint;
  /** In creation order. */
  ops: Operation[];
  /** The operation that started the flow (its first). */
  head: Operation;
  status: OperationStatus;
  startMs: number;
  endMs: number;
  planId: string;
  repoId: string;
}

/** Operations hidden from the tree, as Backrest hides them: stats and system-cancelled runs. */
export function hiddenInTree(op: Operation): boolean {
  return op.op.case === "operationStats" || op.status === OperationStatus.STATUS_SYSTEM_CANCELLED;
}

/** One flow from its visible operations (any order). */
export function summarizeFlow(id: bigint, ops: Operation[]): Flow {
  const list = [...ops].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const head = list[0];
  const main = list.filter((o) => o.op.case !== "operationRunHook");
  return {
    id,
    ops: list,
    head,
    status: worstStatus((main.length ? main : list).map((o) => o.status)),
    startMs: Number(head.unixTimeStartMs),
    endMs: Math.max(...list.map((o) => Number(o.unixTimeEndMs))),
    planId: head.planId,
    repoId: head.repoId,
  };
}

export type TreeRow =
  | { kind: "day"; key: string; label: string; count: number }
  | { kind: "flow"; key: string; flow: Flow }
  | { kind: "op"; key: string; op: Operation; flow: Flow };

function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/**
 * Flattens flows into rows for a virtualised list: a header per day, then its flows, each followed by
 * its operations when expanded. Pending flows (scheduled runs) come first under "Upcoming".
 */
export function treeRows(flows: Flow[], expanded: ReadonlySet<bigint>, dayLabel: (ms: number) => string): TreeRow[] {
  const rows: TreeRow[] = [];
  const pending = flows.filter((f) => f.status === OperationStatus.STATUS_PENDING);
  const rest = flows.filter((f) => f.status !== OperationStatus.STATUS_PENDING);
  const push = (f: Flow) => {
    rows.push({ kind: "flow", key: `f${f.id}`, flow: f });
    if (expanded.has(f.id)) for (const op of f.ops) rows.push({ kind: "op", key: `o${op.id}`, op, flow: f });
  };
  if (pending.length) {
    rows.push({ kind: "day", key: "upcoming", label: i18n.t("activity:flows.upcoming"), count: pending.length });
    pending.forEach(push);
  }
  let current = "";
  let header: Extract<TreeRow, { kind: "day" }> | null = null;
  for (const f of rest) {
    const k = dayKey(f.startMs);
    if (k !== current) {
      current = k;
      header = { kind: "day", key: `d${k}`, label: dayLabel(f.startMs), count: 0 };
      rows.push(header);
    }
    if (header) header.count++;
    push(f);
  }
  return rows;
}
