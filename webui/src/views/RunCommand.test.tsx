import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { create } from "@bufbuild/protobuf";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import type { LiveOperations } from "../state/operations";

vi.mock("../api/client", () => ({
  backrest: { runCommand: vi.fn(), getOperations: vi.fn(), getLogs: vi.fn() },
}));
const live: { current: LiveOperations } = {
  current: {
    ops: new Map(),
    flows: [],
    flowOf: () => undefined,
    version: 0,
    loading: false,
    error: null,
    hasMore: false,
    loadingMore: false,
    loadMore: async () => {},
  },
};
const selectors: unknown[] = [];
vi.mock("../state/operations", () => ({
  useOperations: (sel: unknown, n: number) => {
    selectors.push([sel, n]);
    return live.current;
  },
}));
import { backrest } from "../api/client";
import { RunCommandConsole } from "./RunCommand";
import { renderedScreen } from "../testing/screen";

const screen = renderedScreen();
const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function runOp(id: bigint, command: string, status: OperationStatus, logref = ""): Operation {
  return create(OperationSchema, {
    id,
    modno: 1n,
    status,
    unixTimeStartMs: 1_700_000_000_000n + id,
    repoGuid: "g",
    op: { case: "operationRunCommand", value: { command, outputLogref: logref } },
  });
}

beforeEach(() => {
  selectors.length = 0;
  vi.mocked(backrest.getLogs).mockImplementation(
    () =>
      (async function* () {
        yield { value: new TextEncoder().encode("ID  Time\nabc 2024\n") };
      })() as never,
  );
});
afterEach(() => {
  vi.clearAllMocks();
});

describe("RunCommandConsole", () => {
  it("lists earlier commands of the repository, newest first, and warns about a running one", () => {
    const backup = create(OperationSchema, { id: 5n, op: { case: "operationBackup", value: {} } });
    live.current = {
      ...live.current,
      ops: new Map([
        [1n, runOp(1n, "snapshots", OperationStatus.STATUS_SUCCESS, "t-1")],
        [5n, backup],
        [7n, runOp(7n, "check --read-data", OperationStatus.STATUS_INPROGRESS, "t-7")],
      ]),
    };
    act(() => screen.root.render(<RunCommandConsole repoId="r" repoGuid="g" />));
    expect(selectors[0]).toEqual([{ repoGuid: "g", kinds: ["run_command"] }, 200]);
    const items = [...screen.container.querySelectorAll("li code")].map((c) => c.textContent);
    expect(items).toEqual(["restic check --read-data", "restic snapshots"]);
    expect(screen.container.querySelectorAll("li button")).toHaveLength(2);
    expect(screen.container.textContent).toContain("A command is still running: restic check --read-data");
  });

  it("runs a command on Enter and streams its output once its log exists", async () => {
    live.current = { ...live.current, ops: new Map() };
    vi.mocked(backrest.runCommand).mockResolvedValue({ operationId: 9n } as never);
    vi.mocked(backrest.getOperations)
      .mockResolvedValueOnce({ operations: [runOp(9n, "snapshots", OperationStatus.STATUS_INPROGRESS)] } as never)
      .mockResolvedValue({ operations: [runOp(9n, "snapshots", OperationStatus.STATUS_SUCCESS, "t-9")] } as never);
    act(() => screen.root.render(<RunCommandConsole repoId="r" repoGuid="g" />));
    const label = [...screen.container.querySelectorAll("label")].find((l) => l.textContent === "restic command");
    const input = label?.control as HTMLInputElement;
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
    act(() => {
      set?.call(input, " snapshots ");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const form = input.closest("form") as HTMLFormElement;
    act(() => form.requestSubmit());
    await wait();
    expect(backrest.runCommand).toHaveBeenCalledWith({ repoId: "r", command: "snapshots" });
    expect(screen.container.textContent).toContain("Starting…");
    await wait(700);
    expect(backrest.getLogs).toHaveBeenCalledWith({ ref: "t-9" }, expect.anything());
    await wait(100);
    expect(screen.container.querySelector("pre.log")?.textContent).toBe("ID  Time\nabc 2024");
  });
});
