// The operations of one view and their flows, kept current change by change: an update rebuilds only
// its own flow, and the newest-first order of flows is re-sorted only when a flow appears, disappears
// or its start time moves. With 100,000 operations loaded, a progress tick costs one small flow and a
// copy of the flow list, not a regrouping of the whole history.
import type { Operation } from "@gen/v1/operations_pb";
import { hiddenInTree, summarizeFlow, type Flow } from "./flows";

export function flowKey(op: Operation): bigint {
  return op.flowId || op.id;
}

function byStartDesc(a: Flow, b: Flow): number {
  return b.startMs - a.startMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class FlowIndex {
  /** Every operation held, by id (also those the tree hides, e.g. stats). */
  readonly ops = new Map<bigint, Operation>();
  private readonly members = new Map<bigint, Set<bigint>>();
  private readonly flows = new Map<bigint, Flow>();
  /** Ids deleted while this index lives: a page fetched before a deletion must not bring them back. */
  private readonly deleted = new Set<bigint>();
  private order: Flow[] = [];
  private position = new Map<bigint, number>();
  private resort = false;
  /** The smallest id loaded through pages; live changes to older operations not held are ignored. */
  oldestPaged: bigint | null = null;

  /**
   * Applies created/updated operations and deletions. `paged` marks operations read through
   * GetOperations (they widen the loaded window) rather than live changes. True when anything changed.
   */
  apply(upserted: Operation[], deleted: bigint[], paged = false): boolean {
    const touched = new Set<bigint>();
    for (const op of upserted) {
      if (this.accept(op, paged)) touched.add(flowKey(op));
    }
    for (const id of deleted) {
      this.deleted.add(id);
      const had = this.ops.get(id);
      if (!had) continue;
      this.ops.delete(id);
      this.members.get(flowKey(had))?.delete(id);
      touched.add(flowKey(had));
    }
    if (paged) {
      for (const op of upserted) if (this.oldestPaged === null || op.id < this.oldestPaged) this.oldestPaged = op.id;
    }
    touched.forEach((k) => this.rebuildFlow(k));
    return touched.size > 0;
  }

  /** Flows newest first; a new array whenever a flow changed. */
  flowsNewestFirst(): Flow[] {
    if (this.resort) {
      this.order = [...this.flows.values()].sort(byStartDesc);
      this.position = new Map(this.order.map((f, i) => [f.id, i]));
      this.resort = false;
    }
    return this.order;
  }

  /** The flow holding an operation, if the tree shows it. */
  flowOf(opId: bigint): Flow | undefined {
    const op = this.ops.get(opId);
    return op ? this.flows.get(flowKey(op)) : undefined;
  }

  private accept(op: Operation, paged: boolean): boolean {
    if (this.deleted.has(op.id)) return false;
    const had = this.ops.get(op.id);
    if (had && had.modno > op.modno) return false;
    if (!had && !paged && this.oldestPaged !== null && op.id < this.oldestPaged) return false;
    if (had && flowKey(had) !== flowKey(op)) {
      this.members.get(flowKey(had))?.delete(op.id);
      this.rebuildFlow(flowKey(had));
    }
    this.ops.set(op.id, op);
    const key = flowKey(op);
    const set = this.members.get(key) ?? new Set<bigint>();
    set.add(op.id);
    this.members.set(key, set);
    return true;
  }

  private rebuildFlow(key: bigint) {
    const visible: Operation[] = [];
    for (const id of this.members.get(key) ?? []) {
      const op = this.ops.get(id);
      if (op && !hiddenInTree(op)) visible.push(op);
    }
    const old = this.flows.get(key);
    if (visible.length === 0) {
      if (old) {
        this.flows.delete(key);
        this.resort = true;
      }
      if (!this.members.get(key)?.size) this.members.delete(key);
      return;
    }
    const flow = summarizeFlow(key, visible);
    this.flows.set(key, flow);
    const at = this.position.get(key);
    if (!old || old.startMs !== flow.startMs || at === undefined || this.resort) {
      this.resort = true;
      return;
    }
    if (this.order[at] !== flow) {
      this.order = this.order.slice();
      this.order[at] = flow;
    }
  }
}
