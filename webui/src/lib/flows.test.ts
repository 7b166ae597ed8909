import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { groupFlows, treeRows } from "./flows";
import { applyChanges } from "../state/operations";

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

describe("live changes", () => {
  it("keep the newest version of each operation and drop deleted ones", () => {
    const a = op(1, 1, T, OperationStatus.STATUS_INPROGRESS, "backup");
    const m = applyChanges(new Map(), [a], []);
    const newer = { ...a, modno: 5n, status: OperationStatus.STATUS_SUCCESS };
    const older = { ...a, modno: 3n, status: OperationStatus.STATUS_ERROR };
    const m2 = applyChanges(applyChanges(m, [newer], []), [older], []);
    expect(m2.get(1n)?.status).toBe(OperationStatus.STATUS_SUCCESS);
    expect(applyChanges(m2, [], [1n]).size).toBe(0);
    expect(applyChanges(m2, [], [])).toBe(m2);
  });
});
