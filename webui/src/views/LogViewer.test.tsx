import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { Code, ConnectError } from "@connectrpc/connect";

vi.mock("../api/client", () => ({ backrest: { getLogs: vi.fn() } }));
import { backrest } from "../api/client";
import { LogButton, LogPage, LogViewer } from "./LogViewer";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const getLogs = vi.mocked(backrest.getLogs);
let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  container = document.createElement("div");
  document.body.appendChild(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
  getLogs.mockReset();
});

const wait = (ms: number) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

/** A stream of byte chunks; `hold` keeps it open until released. */
function stream(chunks: Uint8Array[], opts: { hold?: Promise<void>; fail?: Error } = {}) {
  return (async function* () {
    for (const c of chunks) yield { value: c };
    if (opts.hold) await opts.hold;
    if (opts.fail) throw opts.fail;
  })() as unknown as ReturnType<typeof backrest.getLogs>;
}

const enc = (s: string) => new TextEncoder().encode(s);

describe("LogViewer", () => {
  it("appends text as it arrives, decoding characters split across chunks, and says when the log ends", async () => {
    let release = () => {};
    const hold = new Promise<void>((r) => (release = r));
    const bytes = enc("line one\ncafé\n");
    const cut = bytes.length - 3; // inside the two bytes of "é"
    getLogs.mockReturnValue(stream([bytes.slice(0, cut), bytes.slice(cut)], { hold }));
    act(() => root.render(<LogViewer logRef="t-1" />));
    await wait(100);
    expect(getLogs.mock.calls[0][0]).toEqual({ ref: "t-1" });
    expect(container.querySelector("pre")?.textContent).toBe("line one\ncafé");
    expect(container.textContent).toContain("following…");
    act(() => release());
    await wait(100);
    expect(container.textContent).toContain("end of log");
    expect(container.textContent).toContain("2 lines");
    expect(container.querySelector("a[download]")?.textContent).toBe("Download");
  });

  it("shows a missing log's error clearly", async () => {
    getLogs.mockReturnValue(stream([], { fail: new ConnectError("log t-9 not found", Code.NotFound) }));
    act(() => root.render(<LogViewer logRef="t-9" />));
    await wait(50);
    const alert = container.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain("not available");
    expect(alert?.textContent).toContain("log t-9 not found");
  });

  it("renders only the last lines of a huge log, with earlier ones on demand", async () => {
    const text = Array.from({ length: 12_000 }, (_, i) => `line ${i}`).join("\n") + "\n";
    getLogs.mockReturnValue(stream([enc(text)]));
    act(() => root.render(<LogViewer logRef="t-2" />));
    await wait(100);
    const pre = () => container.querySelector("pre")?.textContent ?? "";
    expect(pre().split("\n")).toHaveLength(5000);
    expect(pre().startsWith("line 7000\n")).toBe(true);
    expect(container.textContent).toContain("7,000 earlier lines not shown");
    const more = [...container.querySelectorAll("button")].find((b) => b.textContent === "Show earlier lines");
    act(() => more?.click());
    expect(pre().startsWith("line 2000\n")).toBe(true);
    act(() => [...container.querySelectorAll("button")].find((b) => b.textContent === "Show earlier lines")?.click());
    expect(pre().startsWith("line 0\n")).toBe(true);
    expect(container.textContent).not.toContain("Show earlier lines");
  });

  it("has a page with a heading and a button opening a dialog", async () => {
    getLogs.mockImplementation(() => stream([enc("hello\n")]));
    act(() => root.render(<LogPage logRef="t-3" />));
    await wait(50);
    expect(container.querySelector("h1")?.textContent).toBe("Log t-3");
    act(() => root.render(<LogButton logRef="t-4" />));
    const button = container.querySelector("button");
    expect(button?.textContent).toBe("View log");
    act(() => button?.click());
    await wait(50);
    const dialog = container.querySelector('[role="dialog"]');
    expect(dialog?.getAttribute("aria-label")).toBe("Log");
    expect(dialog?.querySelector("pre")?.textContent).toBe("hello");
  });
});
