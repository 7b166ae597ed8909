// The snapshot comparison and a file's history in the pseudo-language: every text they show comes from
// a catalogue apart from the data (paths, ids, the server's messages); a folder with changes inside
// loads its own level when opened, and any version in a history can be restored.
import { describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create } from "@bufbuild/protobuf";
import { ResticSnapshotSchema } from "@gen/v1/restic_pb";
import { LsEntrySchema } from "@gen/v1/service_pb";
import { DiffEntrySchema, DiffTotalsSchema, FileVersionSchema } from "@gen/cairn/v1/cairn_pb";

vi.mock("../api/client", () => ({
  apiBase: () => "http://localhost:3000/",
  backrest: {
    restore: vi.fn(),
    pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })),
    getDownloadURL: vi.fn(() => Promise.resolve({ value: "./download/tok/notes.txt" })),
  },
  cairn: { diffSnapshots: vi.fn(), fileHistory: vi.fn() },
}));
vi.mock("../state/operations", () => ({
  useOperations: () => ({ ops: new Map(), flows: [], flowOf: () => undefined, version: 0, loading: false, error: null }),
}));

import { backrest, cairn } from "../api/client";
import { dataStrings, untranslated } from "../i18n/testing";
import { translatedScreen } from "../i18n/screen";
import { SnapshotDiff, changesInside } from "./SnapshotDiff";
import { FileHistory } from "./FileHistory";

const screen = translatedScreen();
const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function render(node: ReactNode) {
  act(() => screen.root.render(node));
}

async function click(el: Element | null | undefined) {
  if (!el) throw new Error("nothing to click");
  act(() => (el as HTMLElement).click());
  await wait();
}

const SNAPS = [
  create(ResticSnapshotSchema, { id: "bbbbbbbb11112222", unixTimeMs: 1_700_000_100_000n }),
  create(ResticSnapshotSchema, { id: "aaaaaaaa33334444", unixTimeMs: 1_700_000_000_000n }),
];
const file = (path: string, size: bigint) =>
  create(LsEntrySchema, { name: path.slice(path.lastIndexOf("/") + 1), path, type: "file", size });
const dir = (path: string) => create(LsEntrySchema, { name: path.slice(path.lastIndexOf("/") + 1), path, type: "dir" });
const inside = create(DiffTotalsSchema, { filesAdded: 2n, bytesAdded: 10n });
const TOP = [
  create(DiffEntrySchema, { path: "/home", change: "", before: dir("/home"), after: dir("/home"), inside }),
  create(DiffEntrySchema, { path: "/notes.txt", change: "M", before: file("/notes.txt", 3n), after: file("/notes.txt", 2048n) }),
  create(DiffEntrySchema, { path: "/old.txt", change: "-", before: file("/old.txt", 7n) }),
  create(DiffEntrySchema, { path: "/link", change: "U", metadata: ["target"], before: file("/link", 0n), after: file("/link", 0n) }),
  create(DiffEntrySchema, { path: "/retyped", change: "T", before: file("/retyped", 1n), after: dir("/retyped") }),
];
const HOME = [
  create(DiffEntrySchema, { path: "/home/a", change: "+", after: file("/home/a", 4n) }),
  create(DiffEntrySchema, { path: "/home/b", change: "+", after: file("/home/b", 6n) }),
];
const TOTALS = create(DiffTotalsSchema, { filesAdded: 2n, filesRemoved: 1n, filesChanged: 1n, bytesAdded: 2058n, bytesRemoved: 10n });

describe("SnapshotDiff in another language", () => {
  it("shows the totals and each change, and opens a folder's own level", async () => {
    vi.mocked(cairn.diffSnapshots).mockImplementation(((r: { path: string }) =>
      Promise.resolve({ entries: r.path === "/" ? TOP : HOME, totals: TOTALS, truncated: false })) as never);
    render(<SnapshotDiff repoId="nas" snapshots={SNAPS} a={SNAPS[1].id} b={SNAPS[0].id} />);
    await wait();
    expect(vi.mocked(cairn.diffSnapshots)).toHaveBeenCalledWith(
      expect.objectContaining({ repoId: "nas", snapshotA: SNAPS[1].id, snapshotB: SNAPS[0].id, path: "/", recursive: false }),
    );
    expect(screen.container.querySelector("[role=status]")?.textContent).toMatch(/^⟦/);
    expect(screen.container.querySelectorAll("[role=treeitem]").length).toBe(5);
    const data = dataStrings(SNAPS, TOP, HOME);
    expect(untranslated(screen.container, data)).toEqual([]);

    const home = [...screen.container.querySelectorAll("[role=treeitem]")].find((x) => x.getAttribute("aria-label") === "home");
    await click(home?.querySelector("button"));
    expect(vi.mocked(cairn.diffSnapshots)).toHaveBeenLastCalledWith(expect.objectContaining({ path: "/home" }));
    expect(screen.container.querySelectorAll("[role=treeitem]").length).toBe(7);
    expect(untranslated(screen.container, data)).toEqual([]);
  });

  it("shows the server's refusal and an empty comparison", async () => {
    vi.mocked(cairn.diffSnapshots).mockRejectedValueOnce(new Error("no snapshot nope in repository nas"));
    render(<SnapshotDiff repoId="nas" snapshots={SNAPS} a={SNAPS[1].id} b={SNAPS[0].id} />);
    await wait();
    expect(screen.container.querySelector("[role=alert]")?.textContent).toContain("no snapshot nope");
    vi.mocked(cairn.diffSnapshots).mockResolvedValue({ entries: [], totals: create(DiffTotalsSchema), truncated: false } as never);
    const select = screen.container.querySelector("select") as HTMLSelectElement;
    act(() => {
      select.value = SNAPS[0].id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await wait();
    expect(vi.mocked(cairn.diffSnapshots)).toHaveBeenLastCalledWith(expect.objectContaining({ snapshotA: SNAPS[0].id }));
    expect(untranslated(screen.container, dataStrings(SNAPS))).toEqual([]);
  });

  it("counts every kind of change inside a folder", () => {
    expect(changesInside(create(DiffTotalsSchema, { filesAdded: 1n, dirsRemoved: 2n, metadataChanged: 3n }))).toBe(6);
    expect(changesInside(undefined)).toBe(0);
  });
});

describe("FileHistory in another language", () => {
  it("lists every version, downloads an indexed one and restores one", async () => {
    const versions = [
      create(FileVersionSchema, {
        snapshotId: "aaaaaaaa33334444",
        snapshotTimeMs: 1n,
        change: "+",
        entry: file("/notes.txt", 2n),
        indexOpId: 71n,
      }),
      create(FileVersionSchema, { snapshotId: "bbbbbbbb11112222", snapshotTimeMs: 2n, change: "", entry: file("/notes.txt", 2n) }),
      create(FileVersionSchema, { snapshotId: "cccccccc55556666", snapshotTimeMs: 3n, change: "M", entry: file("/notes.txt", 9n) }),
      create(FileVersionSchema, { snapshotId: "dddddddd77778888", snapshotTimeMs: 4n, change: "-" }),
    ];
    vi.mocked(cairn.fileHistory).mockResolvedValue({ path: "/notes.txt", versions } as never);
    render(<FileHistory repoId="nas" planId="docs" path="/notes.txt" onClose={() => {}} />);
    await wait();
    expect(vi.mocked(cairn.fileHistory)).toHaveBeenCalledWith(expect.objectContaining({ repoId: "nas", path: "/notes.txt" }));
    expect(screen.container.querySelectorAll("tbody tr").length).toBe(4);
    const data = dataStrings(versions, "/notes.txt");
    expect(untranslated(screen.container, data)).toEqual([]);
    const rowButtons = screen.container.querySelectorAll("tbody button");
    // Three versions to restore, one indexed version to download.
    expect(rowButtons.length).toBe(4);
    await click(rowButtons[1]);
    expect(vi.mocked(backrest.getDownloadURL)).toHaveBeenCalledWith(expect.objectContaining({ opId: 71n, filePath: "/notes.txt" }));
    expect(screen.container.querySelector("a[download]")).not.toBeNull();
    expect(untranslated(screen.container, [...data, "./download/tok/notes.txt"])).toEqual([]);
    render(<FileHistory key="again" repoId="nas" planId="docs" path="/notes.txt" onClose={() => {}} />);
    await wait();
    await click(screen.container.querySelectorAll("tbody button")[3]);
    expect(screen.container.querySelector("[role=dialog]")?.textContent).toContain("cccccccc");
    expect(untranslated(screen.container, data)).toEqual([]);
  });
});
