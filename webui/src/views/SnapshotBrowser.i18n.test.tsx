// The snapshot browser, the restore dialog and the run-command console in the pseudo-language: every
// text they show comes from a catalogue, apart from the data put in (paths, commands, the server's messages).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { OperationSchema, OperationStatus, RestoreOverwrite, type Operation } from "@gen/v1/operations_pb";
import { ResticSnapshotSchema } from "@gen/v1/restic_pb";
import { LsEntrySchema, type LsEntry } from "@gen/v1/service_pb";
import type { LiveOperations } from "../state/operations";

vi.mock("../api/client", () => ({
  apiBase: () => "http://localhost:3000/",
  backrest: {
    listSnapshotFiles: vi.fn(),
    restore: vi.fn(),
    getDownloadURL: vi.fn(),
    pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })),
    runCommand: vi.fn(),
    getOperations: vi.fn(),
    getLogs: vi.fn(),
  },
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
vi.mock("../state/operations", () => ({ useOperations: () => live.current }));

import { backrest } from "../api/client";

import { dataStrings, untranslated } from "../i18n/testing";
import { SnapshotBrowser } from "./SnapshotBrowser";
import { RunCommandConsole } from "./RunCommand";
import { translatedScreen } from "../i18n/screen";
import { typeInto as type } from "../testing/dom";

const screen = translatedScreen();
const idle = live.current;

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));
const pseudo = (english: string) => `⟦${english}⟧`;

function render(node: ReactNode) {
  act(() => screen.root.render(node));
}

function buttons(english: string): HTMLButtonElement[] {
  return [...screen.container.querySelectorAll("button")].filter((b) => b.textContent === pseudo(english));
}

/** An entry's buttons in the tree: expand, info, restore and download. */
function entryButton(name: string, which: "toggle" | "info" | "restore" | "download"): HTMLButtonElement {
  const item = [...screen.container.querySelectorAll("[role=treeitem]")].find((x) => x.getAttribute("aria-label") === name);
  const all = item?.querySelector(".tree-entry")?.querySelectorAll("button") ?? [];
  const b = all[["toggle", "info", "restore", "download"].indexOf(which)];
  if (!b) throw new Error(`no ${which} button for ${name}`);
  return b;
}

async function click(el: HTMLElement) {
  act(() => el.click());
  await wait();
}

beforeEach(async () => {
  live.current = idle;
});
const SNAPSHOT = create(ResticSnapshotSchema, { id: "0123456789abcdef0123", paths: ["/home/me"] });

const entry = (name: string, type: string, more: MessageInitShape<typeof LsEntrySchema> = {}) =>
  create(LsEntrySchema, { name, type, path: `/home/me/${name}`, size: 2048n, mode: 0o644n, uid: 1000n, gid: 100n, ...more });

const LISTING = [
  entry("docs", "dir"),
  entry("empty", "dir"),
  entry("broken", "dir"),
  entry("big", "dir"),
  entry("notes.txt", "file", { mtime: "2024-03-01T10:00:00Z", atime: "2024-03-02T10:00:00Z", ctime: "2024-03-01T10:00:00Z" }),
  entry("latest", "symlink"),
];
const BIG = Array.from({ length: 503 }, (_, i) => create(LsEntrySchema, { name: `f${i}`, type: "file", path: `/home/me/big/f${i}` }));
const LIST_ERROR = "ls: permission denied";

function listing(path: string) {
  if (path === "/home/me") return Promise.resolve({ entries: LISTING });
  if (path === "/home/me/big") return Promise.resolve({ entries: BIG });
  if (path === "/home/me/broken") return Promise.reject(new Error(LIST_ERROR));
  return Promise.resolve({ entries: [] });
}

function restoreOp(status: OperationStatus): Operation {
  return create(OperationSchema, {
    id: 42n,
    modno: 1n,
    status,
    unixTimeStartMs: BigInt(Date.now() - 5000),
    op: {
      case: "operationRestore",
      value: {
        path: "/home/me/notes.txt",
        target: "/tmp/notes-restore",
        lastStatus: { totalBytes: 4096n, bytesRestored: 2048n, totalFiles: 2n, filesRestored: 1n },
      },
    },
  });
}

describe("SnapshotBrowser in another language", () => {
  it("shows folders loading, their files, an empty one, a failed one and a long one", async () => {
    let answer = (_: { entries: LsEntry[] }) => {};
    vi.mocked(backrest.listSnapshotFiles).mockReturnValueOnce(new Promise((r) => (answer = r)) as never);
    render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    expect(screen.container.querySelector("[role=tree]")?.getAttribute("aria-label")).toMatch(/^⟦/);
    const data = dataStrings(SNAPSHOT, LISTING, BIG, LIST_ERROR);
    expect(untranslated(screen.container, data)).toEqual([]);

    await click(entryButton("/home/me", "toggle"));
    expect(screen.container.querySelector(".tree-note")).not.toBeNull();
    expect(untranslated(screen.container, data)).toEqual([]);
    act(() => answer({ entries: LISTING }));
    await wait();
    vi.mocked(backrest.listSnapshotFiles).mockImplementation(((r: { path: string }) => listing(r.path)) as never);
    for (const dir of ["empty", "broken", "big"]) await click(entryButton(dir, "toggle"));
    expect(screen.container.querySelectorAll("[role=treeitem]").length).toBeGreaterThan(500);
    expect(screen.container.querySelector("[role=alert]")?.textContent).toBe(LIST_ERROR);
    expect(untranslated(screen.container, data)).toEqual([]);
  });

  it("shows an entry's details, and a file or folder to download", async () => {
    vi.mocked(backrest.listSnapshotFiles).mockImplementation(((r: { path: string }) => listing(r.path)) as never);
    vi.mocked(backrest.getDownloadURL).mockResolvedValue({ value: "./download/tok/docs.tar.gz" } as never);
    render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    await click(entryButton("/home/me", "toggle"));
    const data = dataStrings(SNAPSHOT, LISTING);
    for (const name of ["notes.txt", "latest", "docs"]) {
      await click(entryButton(name, "info"));
      expect(screen.container.querySelector("[role=dialog] dl")).not.toBeNull();
      expect(untranslated(screen.container, data), name).toEqual([]);
      await click(screen.container.querySelector("[role=dialog] .icon-button") as HTMLElement);
    }
    await click(entryButton("docs", "download"));
    expect(screen.container.querySelector("[role=dialog] a[download]")).not.toBeNull();
    expect(untranslated(screen.container, data)).toEqual([]);
  });
});

describe("RestoreDialog in another language", () => {
  it("asks where to restore, shows the server's refusal, then follows the restore to its end", async () => {
    vi.mocked(backrest.listSnapshotFiles).mockImplementation(((r: { path: string }) => listing(r.path)) as never);
    vi.mocked(backrest.getDownloadURL).mockResolvedValue({ value: "./download/tok/notes-restore.tar.gz" } as never);
    render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    await click(entryButton("/home/me", "toggle"));
    await click(entryButton("notes.txt", "restore"));
    const dialog = () => screen.container.querySelector("[role=dialog]");
    expect(dialog()?.querySelector("h2")?.textContent).toBe(pseudo("Restore"));
    const target = dialog()?.querySelector<HTMLInputElement>("input:not([type=radio]):not([type=checkbox])")?.value ?? "";
    const data = [...dataStrings(SNAPSHOT, LISTING), target, "~/Downloads/cairn-restore-<time>"];
    expect(untranslated(screen.container, data)).toEqual([]);

    const refusal = "target /tmp/notes-restore is not empty";
    vi.mocked(backrest.restore).mockRejectedValueOnce(new Error(refusal));
    await click(buttons("Start restore")[0]);
    expect(dialog()?.querySelector(".field-error")?.textContent).toContain(refusal);
    expect(untranslated(screen.container, [...data, refusal])).toEqual([]);

    vi.mocked(backrest.restore).mockResolvedValue({ operationId: 42n } as never);
    await click(buttons("Start restore")[0]);
    expect(dialog()?.querySelector("p.muted")).not.toBeNull();
    expect(untranslated(screen.container, data)).toEqual([]);
    for (const status of [OperationStatus.STATUS_INPROGRESS, OperationStatus.STATUS_SUCCESS]) {
      const op = restoreOp(status);
      live.current = { ...idle, ops: new Map([[42n, op]]), version: status };
      render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
      await wait();
      expect(dialog()?.querySelector("[role=progressbar]")).not.toBeNull();
      expect(untranslated(screen.container, [...data, ...dataStrings(op)])).toEqual([]);
    }
    expect(dialog()?.querySelector("code")?.textContent).toContain("/home/me/notes.txt");
  });

  it("restores several ticked entries in one operation", async () => {
    vi.mocked(backrest.listSnapshotFiles).mockImplementation(((r: { path: string }) => listing(r.path)) as never);
    vi.mocked(backrest.restore).mockReset();
    vi.mocked(backrest.restore).mockResolvedValue({ operationId: 43n } as never);
    render(<SnapshotBrowser key="several" repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    await click(entryButton("/home/me", "toggle"));
    const tick = (name: string) =>
      [...screen.container.querySelectorAll("[role=treeitem]")]
        .find((x) => x.getAttribute("aria-label") === name)
        ?.querySelector<HTMLInputElement>("input[type=checkbox]");
    await click(tick("notes.txt") as HTMLElement);
    await click(tick("docs") as HTMLElement);
    const bar = screen.container.querySelector("[role=toolbar]");
    expect(bar?.querySelector("[role=status]")?.textContent).toMatch(/^⟦/);
    expect(untranslated(screen.container, dataStrings(SNAPSHOT, LISTING))).toEqual([]);
    await click(buttons("Restore selected")[0]);
    const dialog = screen.container.querySelector("[role=dialog]");
    const target = dialog?.querySelector<HTMLInputElement>("input:not([type=radio]):not([type=checkbox])")?.value;
    expect(target).toBe("/home/me/cairn-restore-01234567");
    await click(buttons("Start restore")[0]);
    expect(vi.mocked(backrest.restore)).toHaveBeenCalledWith(
      expect.objectContaining({ path: "/home/me/notes.txt", paths: ["/home/me/docs"], target: "/home/me/cairn-restore-01234567" }),
    );
    await click(buttons("Clear selection")[0]);
    expect(screen.container.querySelector("[role=toolbar]")).toBeNull();
  });

  it("restores in place over existing files: a preview of the changes, then the restore as previewed", async () => {
    vi.mocked(backrest.listSnapshotFiles).mockImplementation(((r: { path: string }) => listing(r.path)) as never);
    vi.mocked(backrest.getLogs).mockImplementation(
      () =>
        (async function* () {
          yield { value: new TextEncoder().encode('+ "/home/me/notes.txt"\n') };
        })() as never,
    );
    live.current = idle;
    render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    await click(entryButton("/home/me", "toggle"));
    await click(entryButton("notes.txt", "restore"));
    const dialog = () => screen.container.querySelector("[role=dialog]");
    const inPlace = dialog()?.querySelectorAll<HTMLInputElement>("input[type=radio]")[1];
    if (!inPlace) throw new Error("the dialog offers no in-place choice");
    await click(inPlace);
    const select = dialog()?.querySelector("select");
    act(() => {
      if (select) {
        select.value = String(RestoreOverwrite.IF_CHANGED);
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    const deleteExtra = dialog()?.querySelector<HTMLInputElement>("input[type=checkbox]");
    if (!deleteExtra) throw new Error("the dialog offers no delete choice");
    await click(deleteExtra);
    const data = dataStrings(SNAPSHOT, LISTING);
    expect(untranslated(screen.container, data)).toEqual([]);

    vi.mocked(backrest.restore).mockResolvedValue({ operationId: 43n } as never);
    await click(buttons("Preview")[0]);
    expect(vi.mocked(backrest.restore).mock.lastCall?.[0]).toMatchObject({
      path: "/home/me/notes.txt",
      target: "",
      inPlace: true,
      overwrite: RestoreOverwrite.IF_CHANGED,
      delete: true,
      dryRun: true,
    });
    const preview = create(OperationSchema, {
      id: 43n,
      modno: 2n,
      status: OperationStatus.STATUS_SUCCESS,
      logref: "t-43",
      op: {
        case: "operationRestore",
        value: { path: "/home/me/notes.txt", inPlace: true, dryRun: true, changes: { written: 1n, kept: 0n, deleted: 2n } },
      },
    });
    live.current = { ...idle, ops: new Map([[43n, preview]]), version: 43 };
    render(<SnapshotBrowser repoId="nas" planId="docs" snapshot={SNAPSHOT} indexOpId={7n} />);
    await wait(50);
    expect(dialog()?.querySelector(".restore-changes")?.textContent).toContain("2");
    expect(dialog()?.textContent).toContain('+ "/home/me/notes.txt"');
    expect(untranslated(screen.container, [...data, ...dataStrings(preview), '+ "/home/me/notes.txt"'])).toEqual([]);

    vi.mocked(backrest.restore).mockResolvedValue({ operationId: 44n } as never);
    await click(buttons("Restore as previewed")[0]);
    expect(vi.mocked(backrest.restore).mock.lastCall?.[0]).toMatchObject({ inPlace: true, delete: true, dryRun: false });
    live.current = idle;
  });
});

function runOp(id: bigint, command: string, status: OperationStatus, more: { logref?: string; size?: bigint; started?: boolean } = {}) {
  return create(OperationSchema, {
    id,
    modno: 1n,
    status,
    unixTimeStartMs: more.started === false ? 0n : 1_700_000_000_000n + id,
    repoGuid: "g",
    op: { case: "operationRunCommand", value: { command, outputLogref: more.logref ?? "", outputSizeBytes: more.size ?? 0n } },
  });
}

describe("RunCommandConsole in another language", () => {
  it("explains a repository without id, loading and no commands yet", () => {
    render(<RunCommandConsole repoId="r" repoGuid="" />);
    expect(screen.container.querySelector("h3")?.textContent).toBe(pseudo("Earlier commands"));
    expect(untranslated(screen.container)).toEqual([]);
    live.current = { ...idle, loading: true };
    render(<RunCommandConsole repoId="r" repoGuid="g" />);
    expect(untranslated(screen.container)).toEqual([]);
    live.current = idle;
    render(<RunCommandConsole repoId="r" repoGuid="g" />);
    expect(untranslated(screen.container)).toEqual([]);
  });

  it("lists earlier commands and warns about one or several still running", () => {
    const ops = [
      runOp(1n, "snapshots", OperationStatus.STATUS_SUCCESS, { logref: "t-1", size: 4096n }),
      runOp(2n, "unlock", OperationStatus.STATUS_PENDING, { started: false }),
      runOp(7n, "check --read-data", OperationStatus.STATUS_INPROGRESS, { logref: "t-7" }),
    ];
    live.current = {
      ...idle,
      ops: new Map(
        ops
          .slice(0, 1)
          .concat(ops[2])
          .map((o) => [o.id, o]),
      ),
      hasMore: true,
      error: "stream closed",
    };
    render(<RunCommandConsole repoId="r" repoGuid="g" />);
    expect(screen.container.querySelectorAll("li")).toHaveLength(2);
    expect(screen.container.querySelector(".banner-warn code")?.textContent).toBe("restic check --read-data");
    expect(untranslated(screen.container, ["stream closed"])).toEqual([]);
    live.current = { ...live.current, ops: new Map(ops.map((o) => [o.id, o])) };
    render(<RunCommandConsole repoId="r" repoGuid="g" />);
    expect(screen.container.querySelectorAll(".banner-warn code")).toHaveLength(2);
    expect(untranslated(screen.container, ["stream closed"])).toEqual([]);
  });

  it("shows the server's refusal, a command starting, one not found and one's output", async () => {
    vi.mocked(backrest.getLogs).mockImplementation(
      () =>
        (async function* () {
          yield { value: new TextEncoder().encode("ID  Time\nabc 2024\n") };
        })() as never,
    );
    render(<RunCommandConsole repoId="r" repoGuid="g" />);
    const input = screen.container.querySelector("input") as HTMLInputElement;
    const submit = () => act(() => (input.closest("form") as HTMLFormElement).requestSubmit());
    type(input, "snapshots");

    const refusal = 'unknown command "snapshotz"';
    vi.mocked(backrest.runCommand).mockRejectedValueOnce(new Error(refusal));
    submit();
    await wait();
    expect(screen.container.querySelector("[role=alert]")?.textContent).toBe(refusal);
    expect(untranslated(screen.container, [refusal])).toEqual([]);

    vi.mocked(backrest.runCommand).mockResolvedValue({ operationId: 9n } as never);
    vi.mocked(backrest.getOperations).mockReturnValueOnce(new Promise(() => {}) as never);
    submit();
    await wait();
    expect(screen.container.querySelector("section h3 code")?.textContent).toContain("restic snapshots");
    expect(untranslated(screen.container, ["snapshots"])).toEqual([]);

    vi.mocked(backrest.runCommand).mockResolvedValue({ operationId: 10n } as never);
    vi.mocked(backrest.getOperations).mockResolvedValue({ operations: [] } as never);
    submit();
    await wait();
    expect(screen.container.querySelector("section .field-error")).not.toBeNull();
    expect(untranslated(screen.container, ["snapshots"])).toEqual([]);

    const done = runOp(11n, "snapshots", OperationStatus.STATUS_SUCCESS, { logref: "t-11" });
    const quiet = runOp(12n, "unlock", OperationStatus.STATUS_SUCCESS);
    for (const [op, shown] of [
      [done, "pre.log"],
      [quiet, "section p.muted"],
    ] as const) {
      vi.mocked(backrest.runCommand).mockResolvedValue({ operationId: op.id } as never);
      vi.mocked(backrest.getOperations).mockResolvedValue({ operations: [op] } as never);
      type(input, op.op.case === "operationRunCommand" ? op.op.value.command : "");
      submit();
      await wait(150);
      expect(screen.container.querySelector(shown)).not.toBeNull();
      expect(untranslated(screen.container, ["snapshots", "unlock", "ID  Time\nabc 2024"])).toEqual([]);
    }
  });
});
