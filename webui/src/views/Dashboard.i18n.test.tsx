// The dashboard, a plan's page and a repository's page in the pseudo-language: every text they show
// must come from a catalogue (or be data), in each state and tab, with dialogs and toasts open.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ConfigSchema, type Config } from "@gen/v1/config_pb";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { ResticSnapshotSchema, type ResticSnapshot } from "@gen/v1/restic_pb";
import {
  DoRepoTaskRequest_Task as Task,
  SummaryDashboardResponseSchema,
  type OpSelector,
  type SummaryDashboardResponse,
} from "@gen/v1/service_pb";
import type { ConfigState } from "../state/config";
import type { Activity } from "../state/activity";

vi.mock("../api/client", () => ({
  backrest: {
    getOperations: vi.fn(),
    listSnapshots: vi.fn(),
    listSnapshotFiles: vi.fn(),
    doRepoTask: vi.fn(),
    forget: vi.fn(),
    clearHistory: vi.fn(),
    getLogs: vi.fn(),
    runCommand: vi.fn(),
  },
  cairn: { getStatus: vi.fn(), watchOperations: vi.fn(), startBackup: vi.fn() },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
const activity: { current: Activity } = {
  current: { running: [], streamError: null, dashboard: null, dashboardError: null, refreshDashboard: () => undefined },
};
vi.mock("../state/activity", () => ({ useActivity: () => activity.current }));

import { backrest, cairn } from "../api/client";
import { i18n } from "../i18n";
import { dataStrings, untranslated } from "../i18n/testing";
import { Toasts } from "../components/Toasts";
import { Dashboard } from "./Dashboard";
import { PlanView } from "./PlanView";
import { RepoView } from "./RepoView";
import { translatedScreen } from "../i18n/screen";

const NOW = Date.now();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GUID = "c".repeat(64);

const screen = translatedScreen();
const wait = (ms = 30) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function config(init: MessageInitShape<typeof ConfigSchema> = {}): Config {
  return create(ConfigSchema, {
    modno: 2,
    instance: "box",
    repos: [
      {
        id: "nas",
        uri: "sftp:backup@nas:/srv/restic",
        guid: GUID,
        password: "********",
        forgetPolicy: { schedule: { schedule: { case: "maxFrequencyDays", value: 1 } } },
      },
    ],
    plans: [
      {
        id: "docs",
        repo: "nas",
        paths: ["/home/me/docs"],
        excludes: ["*.tmp"],
        schedule: { schedule: { case: "maxFrequencyHours", value: 6 } },
      },
    ],
    ...init,
  });
}

function day(i: number, counts: [OperationStatus, number][], overdue = false) {
  return {
    timestampMs: BigInt(NOW - i * DAY),
    bytesAdded: BigInt(i * 1_500_000),
    bytesScanned: BigInt(i * 9_000_000),
    statusCounts: counts.map(([status, count]) => ({ status, count: BigInt(count) })),
    overdue,
  };
}

const HISTORY = [
  day(3, [[OperationStatus.STATUS_SUCCESS, 2]]),
  day(2, [], true),
  day(1, []),
  day(0, [
    [OperationStatus.STATUS_ERROR, 1],
    [OperationStatus.STATUS_WARNING, 1],
  ]),
];

function summary(id: string, last: OperationStatus) {
  return {
    id,
    backupsSuccessLast30days: 12n,
    backupsWarningLast30days: 1n,
    backupsFailed30days: 2n,
    bytesAddedLast30days: 5_000_000_000n,
    nextBackupTimeMs: BigInt(NOW + 2 * HOUR),
    protectedBytes: id === "nas" ? 80_000_000_000n : 0n,
    recentBackups: {
      flowId: [1n, 2n, 3n],
      timestampMs: [BigInt(NOW - 3 * DAY), BigInt(NOW - DAY), BigInt(NOW - HOUR)],
      durationMs: [1000n, 2000n, 3000n],
      status: [OperationStatus.STATUS_SUCCESS, OperationStatus.STATUS_WARNING, last],
    },
    historyLast30days: HISTORY,
  };
}

function dashboard(): SummaryDashboardResponse {
  return create(SummaryDashboardResponseSchema, {
    planSummaries: [
      {
        ...summary("docs", OperationStatus.STATUS_ERROR),
        mirrors: [
          { repoId: "cloud", status: OperationStatus.STATUS_WARNING, unixTimeMs: BigInt(NOW - HOUR), message: "mirror failed", flowId: 3n },
          { repoId: "usb" },
        ],
      },
      summary("photos", OperationStatus.STATUS_WARNING),
    ],
    repoSummaries: [summary("nas", OperationStatus.STATUS_SUCCESS), summary("cloud", OperationStatus.STATUS_SUCCESS)],
    configPath: "/etc/cairn/config.json",
    dataPath: "/var/lib/cairn",
  });
}

function op(id: number, init: MessageInitShape<typeof OperationSchema>): Operation {
  return create(OperationSchema, {
    id: BigInt(id),
    flowId: BigInt(id),
    modno: BigInt(id),
    planId: "docs",
    repoId: "nas",
    repoGuid: GUID,
    unixTimeStartMs: BigInt(NOW - id * HOUR),
    unixTimeEndMs: BigInt(NOW - id * HOUR + 60_000),
    status: OperationStatus.STATUS_SUCCESS,
    ...init,
  });
}

const BACKUPS = [
  op(1, { op: { case: "operationBackup", value: {} } }),
  op(2, { status: OperationStatus.STATUS_ERROR, displayMessage: "repository is locked", op: { case: "operationBackup", value: {} } }),
];
const STATS = [1, 2, 3].map((i) =>
  op(10 + i, {
    unixTimeStartMs: BigInt(NOW - (4 - i) * DAY),
    op: {
      case: "operationStats",
      value: {
        stats: {
          totalSize: BigInt(i * 1e9),
          totalUncompressedSize: BigInt(i * 2e9),
          compressionRatio: 2.1,
          snapshotCount: BigInt(i),
          totalBlobCount: 900n,
        },
      },
    },
  }),
);
const INDEX = op(20, { snapshotId: "a1".repeat(32), op: { case: "operationIndexSnapshot", value: {} } });

function snapshots(n: number): ResticSnapshot[] {
  return Array.from({ length: n }, (_, i) =>
    create(ResticSnapshotSchema, {
      id: i.toString(16).padStart(2, "0").repeat(32),
      unixTimeMs: BigInt(NOW - i * HOUR),
      hostname: "laptop",
      paths: ["/home/me/docs"],
      tags: ["plan:docs", "created-by:box"],
    }),
  );
}

/** A live stream that stays open, quiet, until the view closes it. */
function quietStream(_req: unknown, opts?: { signal?: AbortSignal }): AsyncIterable<never> {
  const end = new Promise<IteratorResult<never>>((r) => opts?.signal?.addEventListener("abort", () => r({ done: true, value: undefined })));
  return { [Symbol.asyncIterator]: () => ({ next: () => end }) };
}

function operationsFor(selector: OpSelector | undefined): Operation[] {
  if (selector?.kinds.includes("stats")) return STATS;
  if (selector?.kinds.includes("index_snapshot")) return [];
  if (selector?.kinds.includes("run_command")) return [];
  return BACKUPS;
}

function mount(node: ReactNode, c: Config | null = config()) {
  state.current = { config: c, error: null, reload: vi.fn(), save: vi.fn(), replace: vi.fn() };
  act(() =>
    screen.root.render(
      <>
        {node}
        <Toasts />
      </>,
    ),
  );
}

function button(text: string): HTMLButtonElement {
  const b = [...document.querySelectorAll("button")].find((x) => x.textContent === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function click(text: string) {
  act(() => button(text).click());
}

const REFUSAL = "permission denied: the repository is read-only";
const fixtures = () => dataStrings(config(), dashboard(), BACKUPS, STATS, INDEX, snapshots(3), [REFUSAL, "sftp:backup@nas:/srv/restic"]);

/** What the scan finds in the whole document (dialogs and toasts included). */
function leftovers(): string[] {
  return untranslated(document.body, fixtures());
}

beforeEach(async () => {
  vi.mocked(cairn.getStatus).mockResolvedValue({ modno: 1n } as never);
  vi.mocked(cairn.watchOperations).mockImplementation(quietStream as never);
  vi.mocked(backrest.getOperations).mockImplementation((async (req: { selector?: OpSelector }) => ({
    operations: operationsFor(req.selector),
  })) as never);
  vi.mocked(backrest.listSnapshots).mockResolvedValue({ snapshots: snapshots(3) } as never);
  vi.mocked(backrest.doRepoTask).mockResolvedValue({} as never);
  vi.mocked(backrest.forget).mockResolvedValue({} as never);
  vi.mocked(backrest.clearHistory).mockResolvedValue({} as never);
  vi.mocked(cairn.startBackup).mockResolvedValue({} as never);
  activity.current = { running: [], streamError: null, dashboard: null, dashboardError: null, refreshDashboard: () => undefined };
});
describe("the dashboard in another language", () => {
  it("translates the first steps of an empty install", () => {
    mount(<Dashboard />, config({ repos: [], plans: [] }));
    expect(screen.container.querySelector("h1")?.textContent).toBe(i18n.t("activity:gettingStarted.title"));
    expect(screen.container.querySelectorAll("li strong")).toHaveLength(2);
    expect(leftovers()).toEqual([]);
  });

  it("translates the summary before the dashboard is read, and its offer of a first plan", () => {
    mount(<Dashboard />, config({ plans: [] }));
    expect(screen.container.querySelector("h1")?.textContent).toBe(i18n.t("activity:dashboard.title"));
    expect(screen.container.textContent).toContain(i18n.t("activity:dashboard.noBackups"));
    expect(button(i18n.t("activity:dashboard.addPlan"))).toBeTruthy();
    expect(leftovers()).toEqual([]);
  });

  it("translates plan and repository cards, their charts, failures and a refusal", () => {
    activity.current = { ...activity.current, dashboard: dashboard(), dashboardError: REFUSAL };
    mount(<Dashboard />);
    expect(screen.container.querySelectorAll("section.card")).toHaveLength(4);
    expect(screen.container.querySelectorAll(".strip-cell")).toHaveLength(HISTORY.length * 4);
    expect(screen.container.querySelector("svg title")?.textContent).not.toBe("");
    expect(screen.container.querySelector(".hero-title")?.textContent).toContain("docs");
    expect(screen.container.textContent).toContain("/etc/cairn/config.json");
    expect(screen.container.textContent).toContain(REFUSAL);
    const mirrors = screen.container.querySelector("a[href='#/repo/usb']")?.closest("ul");
    expect(mirrors?.querySelectorAll("li")).toHaveLength(2);
    expect(mirrors?.textContent).toContain("not copied yet");
    expect(leftovers()).toEqual([]);
  });

  it("translates the headline and progress of a running backup, and the other headlines", () => {
    const progress = {
      case: "status" as const,
      value: { percentDone: 0.4, totalFiles: 900n, filesDone: 300n, totalBytes: 9_000_000n, bytesDone: 3_600_000n },
    };
    const running = op(30, {
      status: OperationStatus.STATUS_INPROGRESS,
      op: { case: "operationBackup", value: { lastStatus: { entry: progress } } },
    });
    activity.current = { ...activity.current, dashboard: dashboard(), running: [running] };
    mount(<Dashboard />);
    expect(screen.container.querySelector('[role="progressbar"]')).not.toBeNull();
    expect(leftovers()).toEqual([]);

    const d = dashboard();
    d.planSummaries.forEach((s) => s.recentBackups?.status.fill(OperationStatus.STATUS_WARNING));
    activity.current = { ...activity.current, dashboard: d, running: [] };
    mount(<Dashboard />);
    expect(screen.container.querySelector(".hero-title")?.textContent).toBe(i18n.t("activity:dashboard.warning", { count: 2 }));
    expect(leftovers()).toEqual([]);

    d.planSummaries.forEach((s) => s.recentBackups?.status.fill(OperationStatus.STATUS_SUCCESS));
    activity.current = { ...activity.current, dashboard: create(SummaryDashboardResponseSchema, d) };
    mount(<Dashboard />);
    expect(screen.container.querySelector(".hero-title")?.textContent).toBe(i18n.t("activity:dashboard.allOk"));
    expect(leftovers()).toEqual([]);
  });
});

describe("a plan's page in another language", () => {
  it("translates its facts, buttons, history and their toasts", async () => {
    mount(<PlanView planId="docs" />);
    await wait();
    expect(screen.container.querySelector("h1")?.textContent).toBe(i18n.t("activity:planView.title", { id: "docs" }));
    expect(screen.container.querySelector('[role="tree"]')).not.toBeNull();
    click(i18n.t("activity:planView.backupNow"));
    click(i18n.t("activity:planView.applyRetention"));
    await wait();
    expect(document.querySelector(".toasts")?.textContent).toContain(i18n.t("activity:planView.backupQueued"));
    expect(leftovers()).toEqual([]);
  });

  it("translates the confirmation before clearing failed runs", async () => {
    mount(<PlanView planId="docs" />);
    await wait();
    click(i18n.t("activity:planView.clearFailed"));
    expect(document.querySelector('[role="dialog"]')?.getAttribute("aria-label")).toBe(i18n.t("activity:planView.clearTitle"));
    expect(leftovers()).toEqual([]);
    click(i18n.t("activity:planView.clear"));
    await wait();
    expect(backrest.clearHistory).toHaveBeenCalled();
    expect(leftovers()).toEqual([]);
  });

  it("translates the empty history, the retry note of a failed read and a refused backup", async () => {
    vi.mocked(backrest.getOperations).mockRejectedValue(new ConnectError(REFUSAL, Code.PermissionDenied));
    vi.mocked(cairn.startBackup).mockRejectedValue(new ConnectError(REFUSAL, Code.PermissionDenied));
    mount(<PlanView planId="docs" />);
    await wait();
    expect(screen.container.textContent).toContain(i18n.t("activity:live.retrying", { error: REFUSAL }));
    click(i18n.t("activity:planView.dryRun"));
    await wait();
    expect(document.querySelector(".toasts")?.textContent).toContain(REFUSAL);
    expect(leftovers()).toEqual([]);
  });
});

describe("a repository's page in another language", () => {
  const tab = (k: "history" | "snapshots" | "stats" | "command") => {
    const b = [...screen.container.querySelectorAll('[role="tab"]')].find((x) => x.textContent === i18n.t(`activity:repoView.tabs.${k}`));
    if (!(b instanceof HTMLButtonElement)) throw new Error(`no tab ${k}`);
    act(() => b.click());
  };

  it("translates its maintenance buttons and their toasts, and its history", async () => {
    vi.mocked(backrest.doRepoTask).mockImplementation((async (req: { task: Task }) => {
      if (req.task === Task.CHECK) throw new ConnectError(REFUSAL, Code.FailedPrecondition);
      return {};
    }) as never);
    mount(<RepoView repoId="nas" />);
    await wait();
    expect(screen.container.querySelector("h1")?.textContent).toBe(i18n.t("activity:repoView.title", { id: "nas" }));
    for (const k of ["index", "prune", "check", "stats", "unlock", "forget"] as const) click(i18n.t(`activity:repoView.tasks.${k}`));
    await wait();
    expect(document.querySelector(".toasts")?.textContent).toContain(i18n.t("activity:repoView.tasks.unlockDone"));
    expect(leftovers()).toEqual([]);
  });

  it("translates the snapshots tab: the list, more of it, a snapshot not indexed, a refused read", async () => {
    vi.mocked(backrest.listSnapshots).mockResolvedValue({ snapshots: snapshots(130) } as never);
    mount(<RepoView repoId="nas" />);
    tab("snapshots");
    await wait();
    expect(screen.container.querySelectorAll("tbody tr")).toHaveLength(100);
    expect([...screen.container.querySelectorAll("button")].some((b) => b.textContent?.startsWith("⟦Show "))).toBe(true);
    click(i18n.t("activity:snapshots.browse"));
    await wait();
    expect(screen.container.textContent).toContain(
      i18n.t("activity:snapshots.notIndexed", { button: i18n.t("activity:repoView.tasks.index") }),
    );
    const data = dataStrings(snapshots(130));
    expect(untranslated(document.body, [...fixtures(), ...data])).toEqual([]);

    screen.remount();
    vi.mocked(backrest.listSnapshots).mockRejectedValue(new ConnectError(REFUSAL, Code.Unavailable));
    mount(<RepoView repoId="nas" />);
    tab("snapshots");
    await wait();
    expect(screen.container.querySelector('[role="alert"]')?.textContent).toBe(REFUSAL);
    expect(leftovers()).toEqual([]);
  });

  it("translates an indexed snapshot opened for browsing", async () => {
    vi.mocked(backrest.getOperations).mockResolvedValue({ operations: [INDEX] } as never);
    vi.mocked(backrest.listSnapshotFiles).mockResolvedValue({ entries: [] } as never);
    mount(<RepoView repoId="nas" />);
    tab("snapshots");
    await wait();
    click(i18n.t("activity:snapshots.browse"));
    await wait();
    expect(button(i18n.t("close"))).toBeTruthy();
    expect(leftovers()).toEqual([]);
  });

  it("translates the stats tab, with charts and without", async () => {
    mount(<RepoView repoId="nas" />);
    tab("stats");
    await wait();
    expect(screen.container.querySelectorAll("figure.line-chart")).toHaveLength(5);
    expect(leftovers()).toEqual([]);

    vi.mocked(backrest.getOperations).mockResolvedValue({ operations: [] } as never);
    mount(<RepoView repoId="other" />, config({ repos: [{ id: "other", uri: "/mnt/other", guid: "d".repeat(64) }] }));
    tab("stats");
    await wait();
    expect(screen.container.textContent).toContain(i18n.t("activity:stats.none", { button: i18n.t("activity:repoView.tasks.stats") }));
    expect(leftovers()).toEqual([]);
  });

  it("translates the command tab and the note on a repository never opened", async () => {
    mount(<RepoView repoId="fresh" />, config({ repos: [{ id: "fresh", uri: "/mnt/fresh" }] }));
    tab("command");
    await wait();
    expect(screen.container.textContent).toContain(i18n.t("activity:repoView.notOpened"));
    expect(leftovers()).toEqual([]);
  });

  it("translates the page while the config loads", () => {
    mount(<RepoView repoId="nas" />, null);
    expect(screen.container.querySelector("p")?.textContent).toBe(i18n.t("loading"));
    expect(leftovers()).toEqual([]);
  });
});
