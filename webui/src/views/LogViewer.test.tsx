import { afterEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { Code, ConnectError } from "@connectrpc/connect";

vi.mock("../api/client", () => ({ backrest: { getLogs: vi.fn() } }));
import { backrest } from "../api/client";
import { LogButton, LogPage, LogViewer } from "./LogViewer";
import { renderedScreen } from "../testing/screen";

const getLogs = vi.mocked(backrest.getLogs);
const screen = renderedScreen();

afterEach(() => {
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
    act(() => screen.root.render(<LogViewer logRef="t-1" />));
    await wait(100);
    expect(getLogs.mock.calls[0][0]).toEqual({ ref: "t-1" });
    expect(screen.container.querySelector("pre")?.textContent).toBe("line one\ncafé");
    expect(screen.container.textContent).toContain("following…");
    act(() => release());
    await wait(100);
    expect(screen.container.textContent).toContain("end of log");
    expect(screen.container.textContent).toContain("2 lines");
    expect(screen.container.querySelector("a[download]")?.textContent).toBe("Download");
  });

  it("shows a missing log's error clearly", async () => {
    getLogs.mockReturnValue(stream([], { fail: new ConnectError("log t-9 not found", Code.NotFound) }));
    act(() => screen.root.render(<LogViewer logRef="t-9" />));
    await wait(50);
    const alert = screen.container.querySelector('[role="alert"]');
    expect(alert?.textContent).toContain("not available");
    expect(alert?.textContent).toContain("log t-9 not found");
  });

  it("renders only the last lines of a huge log, with earlier ones on demand", async () => {
    const text = Array.from({ length: 12_000 }, (_, i) => `line ${i}`).join("\n") + "\n";
    getLogs.mockReturnValue(stream([enc(text)]));
    act(() => screen.root.render(<LogViewer logRef="t-2" />));
    await wait(100);
    const pre = () => screen.container.querySelector("pre")?.textContent ?? "";
    expect(pre().split("\n")).toHaveLength(5000);
    expect(pre().startsWith("line 7000\n")).toBe(true);
    expect(screen.container.textContent).toContain("7,000 earlier lines not shown");
    const more = [...screen.container.querySelectorAll("button")].find((b) => b.textContent === "Show earlier lines");
    act(() => more?.click());
    expect(pre().startsWith("line 2000\n")).toBe(true);
    act(() => [...screen.container.querySelectorAll("button")].find((b) => b.textContent === "Show earlier lines")?.click());
    expect(pre().startsWith("line 0\n")).toBe(true);
    expect(screen.container.textContent).not.toContain("Show earlier lines");
  });

  it("has a page with a heading and a button opening a dialog", async () => {
    getLogs.mockImplementation(() => stream([enc("hello\n")]));
    act(() => screen.root.render(<LogPage logRef="t-3" />));
    await wait(50);
    expect(screen.container.querySelector("h1")?.textContent).toBe("Log t-3");
    act(() => screen.root.render(<LogButton logRef="t-4" />));
    const button = screen.container.querySelector("button");
    expect(button?.textContent).toBe("View log");
    act(() => button?.click());
    await wait(50);
    const dialog = screen.container.querySelector('[role="dialog"]');
    expect(dialog?.getAttribute("aria-label")).toBe("Log");
    expect(dialog?.querySelector("pre")?.textContent).toBe("hello");
  });
});
