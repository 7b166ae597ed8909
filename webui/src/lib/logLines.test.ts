import { describe, expect, it } from "vitest";
import { LOG_WINDOW, LineBuffer, earlierStart, hiddenNote, isAtBottom, logFileName, windowStart } from "./logLines";

describe("LineBuffer", () => {
  it("joins lines split across chunks and counts a last line without its newline", () => {
    const b = new LineBuffer();
    b.append("one\ntw");
    expect(b.lineCount).toBe(2);
    b.append("o\r\nthree");
    expect(b.lineCount).toBe(3);
    expect(b.from(0)).toBe("one\ntwo\nthree");
    b.append("\n");
    expect(b.lineCount).toBe(3);
    expect(b.text()).toBe("one\ntwo\nthree\n");
  });

  it("gives the lines from an index on", () => {
    const b = new LineBuffer();
    b.append("a\nb\nc\nd");
    expect(b.from(2)).toBe("c\nd");
    expect(b.from(3)).toBe("d");
    expect(b.from(4)).toBe("");
    expect(b.from(-1)).toBe("a\nb\nc\nd");
  });

  it("keeps an empty log empty", () => {
    const b = new LineBuffer();
    b.append("");
    expect(b.lineCount).toBe(0);
    expect(b.text()).toBe("");
    expect(b.from(0)).toBe("");
  });

  it("takes a chunk of more lines than a call may have arguments", () => {
    const b = new LineBuffer();
    b.append("x\n".repeat(300_000));
    expect(b.lineCount).toBe(300_000);
    expect(b.from(b.lineCount - 2)).toBe("x\nx");
  });
});

describe("the line window", () => {
  it("follows the end when not pinned", () => {
    expect(windowStart(100, null)).toBe(0);
    expect(windowStart(LOG_WINDOW + 250, null)).toBe(250);
    expect(windowStart(20, null, 5)).toBe(15);
  });

  it("stays where it was pinned while lines arrive", () => {
    expect(windowStart(12_000, 7000)).toBe(7000);
    expect(windowStart(30_000, 7000)).toBe(7000);
    expect(windowStart(10, 50)).toBe(10);
  });

  it("goes one window back for earlier lines, not before the first", () => {
    expect(earlierStart(12_000)).toBe(7000);
    expect(earlierStart(3000)).toBe(0);
    expect(earlierStart(0)).toBe(0);
  });

  it("says how many lines are hidden", () => {
    expect(hiddenNote(0)).toBeNull();
    expect(hiddenNote(1)).toBe("1 earlier line not shown");
    expect(hiddenNote(12_345)).toBe("12,345 earlier lines not shown");
  });

  it("tells when a box is scrolled to its bottom", () => {
    expect(isAtBottom({ scrollTop: 800, scrollHeight: 1000, clientHeight: 200 })).toBe(true);
    expect(isAtBottom({ scrollTop: 780, scrollHeight: 1000, clientHeight: 200 })).toBe(true);
    expect(isAtBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 200 })).toBe(false);
  });

  it("names a download after the log", () => {
    expect(logFileName("t-1234-abcd")).toBe("t-1234-abcd.txt");
    expect(logFileName("../x y")).toBe("x_y.txt");
    expect(logFileName("")).toBe("log.txt");
  });
});
