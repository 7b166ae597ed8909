// Finding files in the pseudo-language: the search sends the pattern and the filters, every text of
// the answer comes from a catalogue apart from the data (paths, ids, the server's messages), and a
// version opens a restore from the newest snapshot that holds it.
import { describe, expect, it, vi } from "vitest";
import { act } from "react";
import { create } from "@bufbuild/protobuf";
import { FoundFilesSchema, FoundPathSchema, FoundVersionSchema } from "@gen/cairn/v1/cairn_pb";

vi.mock("../api/client", () => ({
  apiBase: () => "http://localhost:3000/",
  backrest: {
    restore: vi.fn(),
    pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })),
  },
  cairn: { findFiles: vi.fn(), fileHistory: vi.fn(() => Promise.resolve({ versions: [] })) },
}));
vi.mock("../state/operations", () => ({
  useOperations: () => ({ ops: new Map(), flows: [], flowOf: () => undefined, version: 0, loading: false, error: null }),
}));

import { cairn } from "../api/client";
import { dataStrings, untranslated } from "../i18n/testing";
import { translatedScreen } from "../i18n/screen";
import { FindFiles, bytesOf } from "./FindFiles";

const screen = translatedScreen();
const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function input(el: Element | null, value: string) {
  const field = el as HTMLInputElement;
  act(() => {
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
    setter?.call(field, value);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

const FOUND = create(FoundFilesSchema, {
  paths: [
    create(FoundPathSchema, {
      path: "/home/report.txt",
      type: "file",
      versions: [
        create(FoundVersionSchema, {
          type: "file",
          size: 12n,
          mtimeMs: 1n,
          snapshotIds: ["aaaaaaaa1111"],
          firstTimeMs: 5n,
          lastTimeMs: 5n,
        }),
        create(FoundVersionSchema, {
          type: "file",
          size: 40n,
          mtimeMs: 2n,
          snapshotIds: ["bbbbbbbb2222", "cccccccc3333"],
          firstTimeMs: 6n,
          lastTimeMs: 7n,
        }),
      ],
    }),
  ],
  truncated: true,
  snapshotsIndexed: 3,
  snapshotsPending: 1,
});

describe("FindFiles in another language", () => {
  it("searches with the filters, lists each version and restores one", async () => {
    vi.mocked(cairn.findFiles).mockResolvedValue(FOUND as never);
    act(() => screen.root.render(<FindFiles repoId="nas" />));
    const fields = screen.container.querySelectorAll("input");
    input(fields[0], "report");
    input(fields[1], "2");
    await wait();
    act(() => (screen.container.querySelector("form") as HTMLFormElement).requestSubmit());
    await wait();
    expect(vi.mocked(cairn.findFiles)).toHaveBeenCalledWith(
      expect.objectContaining({ repoId: "nas", pattern: "report", minSize: 2n * 1024n * 1024n, modifiedAfterMs: undefined }),
    );
    expect(screen.container.querySelectorAll("tbody tr").length).toBe(3);
    const status = screen.container.querySelector("[role=status]")?.textContent ?? "";
    expect(status).toMatch(/^⟦/);
    const data = dataStrings(FOUND, "report", "2");
    expect(untranslated(screen.container, data)).toEqual([]);
    const restore = screen.container.querySelectorAll("tbody button");
    // The path's history, then one restore per version.
    expect(restore.length).toBe(3);
    act(() => (restore[2] as HTMLElement).click());
    await wait();
    expect(screen.container.querySelector("[role=dialog]")?.textContent).toContain("cccccccc");
  });

  it("shows the server's refusal", async () => {
    vi.mocked(cairn.findFiles).mockRejectedValueOnce(new Error('pattern "[" is not a valid glob'));
    act(() => screen.root.render(<FindFiles key="again" repoId="nas" />));
    input(screen.container.querySelector("input"), "[");
    await wait();
    act(() => (screen.container.querySelector("form") as HTMLFormElement).requestSubmit());
    await wait();
    expect(screen.container.querySelector("[role=alert]")?.textContent).toContain("not a valid glob");
  });
});

describe("bytesOf", () => {
  it("reads MiB and refuses what is not a size", () => {
    expect(bytesOf("1.5")).toBe(1572864n);
    expect(bytesOf("")).toBeUndefined();
    expect(bytesOf("1e309")).toBeUndefined();
    expect(bytesOf("-2")).toBeUndefined();
    expect(bytesOf("abc")).toBeUndefined();
  });
});
