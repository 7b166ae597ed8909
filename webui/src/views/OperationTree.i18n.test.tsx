// The operation history, its details and logs in the pseudo-language: every visible word must come from
// a catalogue, whatever the kind and status of the operation and whichever dialog is open.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Hook_Condition } from "@gen/v1/config_pb";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { LsEntrySchema } from "@gen/v1/service_pb";
import type { LiveOperations } from "../state/operations";

vi.mock("../api/client", () => ({
  apiBase: () => "http://cairn.test/",
  backrest: {
    getLogs: vi.fn(),
    forget: vi.fn(),
    cancel: vi.fn(),
    clearHistory: vi.fn(),
    getDownloadURL: vi.fn(),
    listSnapshotFiles: vi.fn(),
  },
}));
const live: { current: LiveOperations | null } = { current: null };
vi.mock("../state/operations", () => ({ useOperations: () => live.current }));

import { backrest } from "../api/client";
import { i18n } from "../i18n";
import { dataStrings, untranslated } from "../i18n/testing";
import { summarizeFlow, type Flow } from "../lib/flows";
import { shortId } from "../lib/format";
import { Toasts } from "../components/Toasts";
import { OperationTree } from "./OperationTree";
import { DownloadButtons } from "./OperationDetails";
import { LogButton, LogPage, LogViewer } from "./LogViewer";
import { translatedScreen } from "../i18n/screen";

const DAY = 86_400_000;
const NOW = Date.now();
const SNAP = "5f3e9a1c77d04b2e8a61c0ffee1234567890abcdef1234567890abcdef123456";
const OLD_SNAP = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

type OpInit = MessageInitShape<typeof OperationSchema>;

function op(id: number, flowId: number, startMs: number, init: OpInit): Operation {
  return create(OperationSchema, {
    id: BigInt(id),
    flowId: BigInt(flowId),
    repoId: "nas",
    repoGuid: "guid-nas",
    planId: "docs",
    unixTimeStartMs: BigInt(startMs),
    ...init,
  });
}

/** An operation that finished `ms` after it started. */
function done(id: number, flowId: number, startMs: number, ms: number, init: OpInit): Operation {
  return op(id, flowId, startMs, { unixTimeEndMs: BigInt(startMs + ms), ...init });
}

const snapshot = {
  id: SNAP,
  unixTimeMs: BigInt(NOW - DAY),
  hostname: "box",
  username: "me",
  paths: ["/home/me/docs"],
  tags: ["plan:docs"],
};

/** One run of each kind and status: a pending and a running backup, a finished backup with its index,
 * retention and hooks, prune and check, restores, stats, a command, a dry run, and odd statuses. */
function history(): Operation[][] {
  const t1 = NOW - 60_000;
  const t2 = NOW - DAY;
  const t3 = NOW - 2 * DAY;
  const S = OperationStatus;
  return [
    [op(1, 100, NOW + 3_600_000, { status: S.STATUS_PENDING, op: { case: "operationBackup", value: {} } })],
    [
      op(2, 200, t1, {
        status: S.STATUS_INPROGRESS,
        op: {
          case: "operationBackup",
          value: {
            lastStatus: {
              entry: {
                case: "status",
                value: {
                  percentDone: 0.33,
                  totalFiles: 40n,
                  filesDone: 12n,
                  totalBytes: 9_000_000n,
                  bytesDone: 3_000_000n,
                  currentFile: ["/home/me/docs/report.odt"],
                },
              },
            },
          },
        },
      }),
      done(3, 200, t1, 900, {
        status: S.STATUS_SUCCESS,
        logref: "hook-start-log",
        op: { case: "operationRunHook", value: { name: "notify-start", condition: Hook_Condition.SNAPSHOT_START } },
      }),
    ],
    [
      op(11, 600, t1 - 5000, {
        status: S.STATUS_INPROGRESS,
        snapshotId: SNAP,
        op: {
          case: "operationRestore",
          value: {
            target: "/tmp/all",
            lastStatus: { totalBytes: 8_000_000n, bytesRestored: 1_000_000n, totalFiles: 20n, filesRestored: 2n },
          },
        },
      }),
    ],
    [
      done(4, 300, t2, 95_000, {
        status: S.STATUS_WARNING,
        logref: "backup-log",
        displayMessage: "1 file could not be read",
        op: {
          case: "operationBackup",
          value: {
            lastStatus: {
              entry: {
                case: "summary",
                value: {
                  snapshotId: SNAP,
                  filesNew: 3n,
                  filesChanged: 2n,
                  filesUnmodified: 1200n,
                  dataAdded: 4_500_000n,
                  totalFilesProcessed: 1205n,
                  totalBytesProcessed: 2_000_000_000n,
                },
              },
            },
            errors: [{ item: "/home/me/docs/locked.db", message: "open: permission denied" }],
          },
        },
      }),
      done(5, 300, t2 + 96_000, 2000, {
        status: S.STATUS_SUCCESS,
        snapshotId: SNAP,
        op: { case: "operationIndexSnapshot", value: { snapshot } },
      }),
      done(6, 300, t2 + 99_000, 4000, {
        status: S.STATUS_SUCCESS,
        op: { case: "operationForget", value: { forget: [{ id: OLD_SNAP, unixTimeMs: BigInt(t3 - 30 * DAY) }] } },
      }),
      done(7, 300, t2 + 104_000, 300, {
        status: S.STATUS_ERROR,
        displayMessage: "hook exited with status 1",
        op: { case: "operationRunHook", value: { name: "notify-end", condition: Hook_Condition.SNAPSHOT_END } },
      }),
    ],
    [
      done(8, 400, t2 - 3_600_000, 70_000, {
        status: S.STATUS_SUCCESS,
        op: { case: "operationPrune", value: { outputLogref: "prune-log" } },
      }),
      done(9, 400, t2 - 3_500_000, 20_000, {
        status: S.STATUS_ERROR,
        displayMessage: "repository contains errors",
        op: { case: "operationCheck", value: {} },
      }),
    ],
    [
      done(10, 500, t3, 30_000, {
        status: S.STATUS_SUCCESS,
        snapshotId: SNAP,
        op: {
          case: "operationRestore",
          value: {
            path: "/home/me/docs",
            target: "/tmp/restore",
            lastStatus: { totalBytes: 8_000_000n, bytesRestored: 8_000_000n, totalFiles: 20n, filesRestored: 20n, percentDone: 1 },
          },
        },
      }),
    ],
    [
      done(12, 700, t3 - 1000, 5000, {
        status: S.STATUS_SUCCESS,
        op: {
          case: "operationStats",
          value: {
            stats: {
              totalSize: 3_000_000_000n,
              totalUncompressedSize: 5_000_000_000n,
              compressionRatio: 1.67,
              totalBlobCount: 5400n,
              snapshotCount: 31n,
            },
          },
        },
      }),
    ],
    [
      done(13, 800, t3 - 2000, 1000, {
        status: S.STATUS_USER_CANCELLED,
        op: { case: "operationRunCommand", value: { command: "snapshots --json", outputLogref: "missing-log" } },
      }),
    ],
    [
      done(14, 900, t3 - 3000, 8000, {
        status: S.STATUS_SUCCESS,
        op: {
          case: "operationBackup",
          value: { dryRun: true, lastStatus: { entry: { case: "summary", value: { filesUnmodified: 9n } } } },
        },
      }),
    ],
    [done(15, 1000, t3 - 4000, 100, { status: S.STATUS_SYSTEM_CANCELLED, op: { case: "operationForget", value: {} } })],
    [
      done(16, 1100, t3 - 5000, 100, {
        status: S.STATUS_UNKNOWN,
        op: { case: "operationIndexSnapshot", value: { snapshot: { ...snapshot, id: OLD_SNAP, tags: [] }, forgot: true } },
      }),
    ],
    [done(17, 1200, t3 - 6000, 100, { status: S.STATUS_SUCCESS, op: { case: undefined } })],
    [
      done(18, 1300, t3 - 7000, 9000, {
        status: S.STATUS_ERROR,
        displayMessage: "101 of 120 sampled files do not match their snapshot",
        op: {
          case: "operationVerify",
          value: {
            filesChecked: 120n,
            bytesChecked: 3_000_000n,
            liveCompared: 80n,
            mismatchCount: 101n,
            sample: "120 files, drawn across the snapshots",
            sampleFiles: 120,
            snapshotIds: [SNAP, OLD_SNAP],
            mismatches: [
              { snapshotId: SNAP, path: "/home/me/docs/rotten.txt", reason: "bytes 0 to 21 do not hash to blob 1a2b3c4d", live: true },
              {
                snapshotId: OLD_SNAP,
                path: "/home/me/docs/big.bin",
                reason: "could not be restored: ciphertext verification failed",
                live: false,
              },
            ],
          },
        },
      }),
    ],
    [
      done(20, 1500, t3 - 9000, 3000, {
        status: S.STATUS_WARNING,
        repoId: "usb",
        displayMessage: 'mirror to repo "usb" failed; the backup itself succeeded: connection refused',
        op: { case: "operationMirror", value: { sourceRepoId: "nas", snapshotIds: [SNAP], copied: 0 } },
      }),
      done(21, 1500, t3 - 9000, 3000, {
        status: S.STATUS_SUCCESS,
        repoId: "cloud",
        op: { case: "operationMirror", value: { sourceRepoId: "nas", snapshotIds: [SNAP], copied: 1 } },
      }),
    ],
    [
      done(19, 1400, t3 - 8000, 4000, {
        status: S.STATUS_SUCCESS,
        op: {
          case: "operationVerify",
          value: {
            filesChecked: 1n,
            bytesChecked: 10n,
            liveCompared: 1n,
            sample: "1 file, drawn across the snapshots",
            snapshotIds: [SNAP],
          },
        },
      }),
    ],
  ];
}

function liveOf(groups: Operation[][], init: Partial<LiveOperations> = {}): LiveOperations {
  const flows: Flow[] = groups.map((ops) => summarizeFlow(ops[0].flowId, ops));
  const ops = new Map(groups.flat().map((o) => [o.id, o]));
  return {
    ops,
    flows,
    flowOf: (id) => flows.find((f) => f.ops.some((o) => o.id === id)),
    version: 1,
    loading: false,
    error: null,
    hasMore: false,
    loadingMore: false,
    loadMore: () => Promise.resolve(),
    ...init,
  };
}

/** The oneof case names inside the fixtures: field names, not text anyone reads. */
const CASES = new Set(["status", "summary", ...history().flatMap((g) => g.map((o) => o.op.case ?? ""))]);

/** What the fixtures show as data: their strings, and the short form of snapshot ids. */
function data(...extra: unknown[]): string[] {
  return [...dataStrings(history(), ...extra).filter((s) => !CASES.has(s)), shortId(SNAP), shortId(OLD_SNAP)];
}

const enc = (s: string) => new TextEncoder().encode(s);
const NOT_FOUND = "log missing-log not found";
const LOG_TEXT = Array.from({ length: 5003 }, (_, i) => `restic: line ${i}`).join("\n") + "\n";

function logStream(ref: string) {
  return (async function* () {
    if (ref === "missing-log") throw new ConnectError(NOT_FOUND, Code.NotFound);
    yield { value: enc(LOG_TEXT) };
  })() as unknown as ReturnType<typeof backrest.getLogs>;
}

const screen = translatedScreen();
const wait = (ms = 30) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function mount(node: ReactNode) {
  act(() => screen.root.render(node));
}

function clickButton(label: string, scope: ParentNode = screen.container) {
  const b = [...scope.querySelectorAll("button")].find((x) => x.textContent?.includes(label));
  if (!b) throw new Error(`no button ${label}`);
  act(() => b.click());
}

function expectTranslated(...extra: unknown[]) {
  expect(untranslated(screen.container, data(...extra))).toEqual([]);
}

// The tree is virtualised: give its scroll box a height so that rows are drawn.
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 4000 });
});
afterAll(() => {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, "clientHeight", clientHeight);
});

beforeEach(async () => {
  vi.mocked(backrest.getLogs).mockImplementation((req) => logStream(req.ref ?? ""));
  vi.mocked(backrest.getDownloadURL).mockResolvedValue({ value: "./download/tok/restore.tar.gz" } as never);
  vi.mocked(backrest.listSnapshotFiles).mockResolvedValue({
    entries: [create(LsEntrySchema, { name: "docs", path: "/home/me/docs", type: "dir", size: 4096n, mtime: "2026-03-01T10:00:00Z" })],
  } as never);
});

describe("operation history in another language", () => {
  it("says when the history is empty, loading, or interrupted", async () => {
    live.current = liveOf([]);
    mount(<OperationTree selector={{ planId: "docs" }} />);
    expect(screen.container.querySelector("[role='tree']")?.textContent).toContain("No operations yet.");
    expectTranslated();

    const error = "Live updates interrupted (connection reset); reconnecting…";
    live.current = liveOf(history(), { loading: true, hasMore: true, loadingMore: true, error });
    mount(<OperationTree selector={{ planId: "docs" }} />);
    expect(screen.container.textContent).toContain("Loading history…");
    expect(screen.container.textContent).toContain("Loading older history…");
    expectTranslated(error);
  });

  it("shows every kind and status of operation in the tree", async () => {
    live.current = liveOf(history(), { hasMore: true });
    mount(<OperationTree selector={{ repoGuid: "guid-nas" }} showPlan />);
    await wait();
    expect(screen.container.querySelectorAll(".optree-flow")).toHaveLength(history().length);
    expect(screen.container.querySelectorAll(".optree-op").length).toBeGreaterThan(5);
    expect(screen.container.textContent).toContain("Load older history");
    expectTranslated();
  });

  it("shows the details of each operation, tab by tab", async () => {
    live.current = liveOf(history());
    mount(
      <>
        <OperationTree selector={{ repoGuid: "guid-nas" }} showPlan />
        <Toasts />
      </>,
    );
    await wait();
    for (const group of history()) {
      const row = screen.container.querySelector(`[data-flow-id="${group[0].flowId}"]`);
      if (!(row instanceof HTMLElement)) throw new Error(`no flow ${group[0].flowId}`);
      act(() => row.click());
      await wait(60);
      const tabs = [...screen.container.querySelectorAll<HTMLButtonElement>(".optree-details [role='tab']")];
      expect(tabs).toHaveLength(group.length > 1 ? group.length : 0);
      for (const tab of tabs.length ? tabs : [null]) {
        if (tab) act(() => tab.click());
        await wait(60);
        expect(screen.container.querySelector(".optree-details h3")).not.toBeNull();
        expectTranslated(NOT_FOUND);
      }
    }
  });

  it("shows what a verification compared and the mismatches it kept", async () => {
    live.current = liveOf(history());
    mount(<OperationTree selector={{ repoGuid: "guid-nas" }} showPlan />);
    await wait();
    act(() => screen.container.querySelector<HTMLElement>('[data-flow-id="1300"]')?.click());
    await wait(60);
    const details = screen.container.querySelector(".optree-details");
    const rows = [...(details?.querySelectorAll("table tbody tr") ?? [])].map((r) => r.textContent ?? "");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain("/home/me/docs/rotten.txt");
    expect(rows[0]).toContain("live file");
    expect(rows[1]).toContain("restored copy");
    expect(details?.textContent).toContain("and 99 more");
    expect(details?.textContent).toContain("120 files, drawn across the snapshots");
    expectTranslated();

    act(() => screen.container.querySelector<HTMLElement>('[data-flow-id="1400"]')?.click());
    await wait(60);
    expect(screen.container.querySelector(".optree-details")?.textContent).toContain("Every sampled byte matched the snapshot.");
    expectTranslated();
  });

  it("asks before cancelling, forgetting or deleting, and shows the outcome", async () => {
    live.current = liveOf(history());
    vi.mocked(backrest.cancel).mockRejectedValue(new ConnectError("operation 2 already finished", Code.FailedPrecondition));
    vi.mocked(backrest.clearHistory).mockResolvedValue({} as never);
    mount(
      <>
        <OperationTree selector={{ planId: "docs" }} />
        <Toasts />
      </>,
    );
    await wait();

    act(() => screen.container.querySelector<HTMLElement>('[data-flow-id="200"]')?.click());
    clickButton("Cancel");
    const dialog = screen.container.querySelector("[role='dialog']");
    expect(dialog?.textContent).toContain("nothing of a cancelled backup is kept");
    expectTranslated();
    clickButton("Cancel operation", dialog ?? screen.container);
    await wait();
    expect(screen.container.querySelector(".toast")?.textContent).toBe("operation 2 already finished");
    expectTranslated("operation 2 already finished");

    act(() => screen.container.querySelector<HTMLElement>('[data-flow-id="300"]')?.click());
    clickButton("Delete from history");
    expect(screen.container.querySelector("[role='dialog'] h2")?.textContent).toContain("Delete from history?");
    expectTranslated("operation 2 already finished");
    clickButton("Delete", screen.container.querySelector("[role='dialog']") ?? screen.container);
    await wait();
    expect(backrest.clearHistory).toHaveBeenCalled();
    expectTranslated("operation 2 already finished");

    const snapshotTab = [...screen.container.querySelectorAll<HTMLElement>("[role='tab']")][1];
    act(() => snapshotTab.click());
    clickButton("Forget snapshot");
    expect(screen.container.querySelector("[role='dialog']")?.textContent).toContain(shortId(SNAP));
    expectTranslated("operation 2 already finished");
  });

  it("browses a snapshot's files and opens a backup's log", async () => {
    live.current = liveOf(history());
    mount(<OperationTree selector={{ planId: "docs" }} />);
    await wait();
    act(() => screen.container.querySelector<HTMLElement>('[data-flow-id="300"]')?.click());
    clickButton("View log");
    await wait(120);
    expect(screen.container.querySelector("[role='dialog'] pre")?.textContent).toContain("restic: line 5002");
    expectTranslated();
    act(() => screen.container.querySelector<HTMLButtonElement>("[role='dialog'] .icon-button")?.click());

    act(() => [...screen.container.querySelectorAll<HTMLElement>("[role='tab']")][1].click());
    clickButton("Browse files");
    await wait();
    expect(screen.container.textContent).toContain("Hide files");
    expectTranslated(dataStrings({ name: "docs", path: "/home/me/docs" }));
  });

  it("shows a log, a long log's hidden lines, a missing log, and the log's page and dialog", async () => {
    mount(<LogViewer logRef="prune-log" />);
    await wait(120);
    expect(screen.container.textContent).toContain("3 earlier lines not shown");
    expect(screen.container.textContent).toContain("Show earlier lines");
    expectTranslated("prune-log");

    mount(<LogViewer logRef="missing-log" />);
    await wait();
    expect(screen.container.querySelector("[role='alert']")?.textContent).toContain("not available");
    expect(screen.container.textContent).toContain("No output.");
    expectTranslated(NOT_FOUND, "missing-log");

    mount(<LogPage logRef="prune-log" />);
    await wait(120);
    expect(screen.container.querySelector("h1")?.textContent).toContain("prune-log");
    expectTranslated("prune-log");

    mount(<LogButton logRef="prune-log" />);
    clickButton("View log");
    await wait(120);
    expect(screen.container.querySelector("[role='dialog']")).not.toBeNull();
    expect(screen.container.textContent).toContain("Open as a page");
    expectTranslated("prune-log");
  });

  it("prepares a download, offers its formats, and shows a refusal", async () => {
    let release: (v: { value: string }) => void = () => {};
    vi.mocked(backrest.getDownloadURL).mockReturnValueOnce(new Promise((r) => (release = r)) as never);
    mount(<DownloadButtons opId={10n} label={i18n.t("operations:restore.download")} />);
    expect(screen.container.textContent).toContain("Preparing download…");
    expectTranslated();
    await act(async () => release({ value: "./download/tok/restore.tar.gz" }));
    expect(screen.container.querySelectorAll("a[download]")).toHaveLength(2);
    expectTranslated();

    const refusal = "download token could not be signed";
    vi.mocked(backrest.getDownloadURL).mockRejectedValueOnce(new ConnectError(refusal, Code.Internal));
    mount(<DownloadButtons opId={11n} label={i18n.t("operations:restore.download")} />);
    await wait();
    expect(screen.container.textContent).toBe(refusal);
    expectTranslated(refusal);
  });
});
