import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { treeRows } from "./flows";
import { FlowIndex } from "./flowIndex";

function op(id: number, flow: number, start: number, status: OperationStatus, kind: "backup" | "index" | "hook" | "stats"): Operation {
  const cases = {
    backup: { case: "operationBackup" as const, value: {} },
    index: { case: "operationIndexSnapshot" as const, value: {} },
    hook: { case: "operationRunHook" as const, value: {} },
    stats: { case: "operationStats" as const, value: {} },
  };
  return create(OperationSchema, {
    id: BigInt(id),
    flowId: BigInt(flow),
    unixTimeStartMs: BigInt(start),
    status,
    modno: BigInt(id),
    op: cases[kind],
  });
}

/** Flows of a loaded set of operations, newest first, as the tree gets them. */
function groupFlows(ops: Operation[]) {
  const ix = new FlowIndex();
  ix.apply(ops, [], true);
  return ix.flowsNewestFirst();
}

const DAY = 86_400_000;
const T = new Date(2026, 10, 20, 12).getTime();

describe("flows", () => {
  it("groups by flow, newest first, hides stats, sums status from the main operations", () => {
    const flows = groupFlows([
      op(1, 1, T, OperationStatus.STATUS_SUCCESS, "backup"),
      op(2, 1, T + 5, OperationStatus.STATUS_SUCCESS, "index"),
      op(3, 1, T + 6, OperationStatus.STATUS_ERROR, "hook"),
      op(4, 4, T + DAY, OperationStatus.STATUS_WARNING, "backup"),
      op(5, 5, T + DAY, OperationStatus.STATUS_SUCCESS, "stats"),
    ]);
    expect(flows.map((f) => f.id)).toEqual([4n, 1n]);
    expect(flows[1].ops.map((o) => o.id)).toEqual([1n, 2n, 3n]);
    expect(flows[1].status).toBe(OperationStatus.STATUS_SUCCESS);
    expect(flows[0].status).toBe(OperationStatus.STATUS_WARNING);
  });

  it("a running operation makes its flow running, an error makes it an error", () => {
    const [f] = groupFlows([
      op(1, 1, T, OperationStatus.STATUS_INPROGRESS, "backup"),
      op(2, 1, T, OperationStatus.STATUS_SUCCESS, "index"),
    ]);
    expect(f.status).toBe(OperationStatus.STATUS_INPROGRESS);
  });

  it("rows: upcoming first, a header per day, operations under expanded flows", () => {
    const flows = groupFlows([
      op(1, 1, T, OperationStatus.STATUS_SUCCESS, "backup"),
      op(2, 1, T, OperationStatus.STATUS_SUCCESS, "index"),
      op(3, 3, T + 1000, OperationStatus.STATUS_SUCCESS, "backup"),
      op(4, 4, T - DAY, OperationStatus.STATUS_ERROR, "backup"),
      op(9, 9, T + 2 * DAY, OperationStatus.STATUS_PENDING, "backup"),
    ]);
    const rows = treeRows(flows, new Set([1n]), (ms) => new Date(ms).toDateString());
    expect(rows.map((r) => r.key)).toEqual(["upcoming", "f9", rows[2].key, "f3", "f1", "o1", "o2", rows[7].key, "f4"]);
    expect(rows[2]).toMatchObject({ kind: "day", count: 2 });
  });
});

describe("the flow index", () => {
  it("keeps the newest version of each operation, drops deleted ones for good, and regroups flows", () => {
    const ix = new FlowIndex();
    const a = op(1, 1, T, OperationStatus.STATUS_INPROGRESS, "backup");
    ix.apply([a, op(2, 2, T - DAY, OperationStatus.STATUS_SUCCESS, "backup")], [], true);
    expect(ix.flowsNewestFirst().map((f) => f.id)).toEqual([1n, 2n]);
    const before = ix.flowsNewestFirst();
    ix.apply([{ ...a, modno: 5n, status: OperationStatus.STATUS_SUCCESS }], []);
    ix.apply([{ ...a, modno: 3n, status: OperationStatus.STATUS_ERROR }], []);
    const after = ix.flowsNewestFirst();
    expect(after).not.toBe(before);
    expect(after[0].status).toBe(OperationStatus.STATUS_SUCCESS);
    expect(after[1]).toBe(before[1]);
    ix.apply([op(3, 1, T + 5, OperationStatus.STATUS_SUCCESS, "index")], []);
    expect(ix.flowOf(3n)?.ops.map((o) => o.id)).toEqual([1n, 3n]);
    ix.apply([], [1n, 3n]);
    ix.apply([a], [], true);
    expect(ix.flowsNewestFirst().map((f) => f.id)).toEqual([2n]);
  });

  it("ignores live changes to operations older than the loaded pages, hides stats, and moves a flow whose start changes", () => {
    const ix = new FlowIndex();
    ix.apply(
      [op(10, 10, T, OperationStatus.STATUS_SUCCESS, "backup"), op(11, 11, T + 1, OperationStatus.STATUS_PENDING, "backup")],
      [],
      true,
    );
    ix.apply([op(5, 5, T - DAY, OperationStatus.STATUS_SUCCESS, "backup"), op(12, 12, T + 2, OperationStatus.STATUS_SUCCESS, "stats")], []);
    expect(ix.flowsNewestFirst().map((f) => f.id)).toEqual([11n, 10n]);
    expect(ix.ops.has(12n)).toBe(true);
    ix.apply([{ ...op(11, 11, T - 1, OperationStatus.STATUS_INPROGRESS, "backup"), modno: 20n }], []);
    expect(ix.flowsNewestFirst().map((f) => f.id)).toEqual([10n, 11n]);
    ix.apply([op(5, 5, T - DAY, OperationStatus.STATUS_SUCCESS, "backup")], [], true);
    expect(ix.flowsNewestFirst().map((f) => f.id)).toEqual([10n, 11n, 5n]);
    expect(ix.oldestPaged).toBe(5n);
  });
});
