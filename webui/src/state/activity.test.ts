import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { OperationSchema, OperationStatus } from "@gen/v1/operations_pb";
import { trackRunning } from "./activity";

const op = (id: number, status: OperationStatus) => create(OperationSchema, { id: BigInt(id), status });

describe("running operations", () => {
  it("enter when running, leave when finished or deleted, and say when something finished", () => {
    let r = trackRunning(new Map(), [op(1, OperationStatus.STATUS_INPROGRESS), op(2, OperationStatus.STATUS_PENDING)], []);
    expect([...r.next.keys()]).toEqual([1n]);
    expect(r.finished).toBe(false);
    r = trackRunning(r.next, [op(1, OperationStatus.STATUS_SUCCESS)], []);
    expect(r.next.size).toBe(0);
    expect(r.finished).toBe(true);
    r = trackRunning(new Map([[3n, op(3, OperationStatus.STATUS_INPROGRESS)]]), [], [3n]);
    expect(r.next.size).toBe(0);
  });
});
