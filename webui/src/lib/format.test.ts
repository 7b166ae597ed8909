import { afterEach, describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { formatBytes, formatCount, formatDuration, formatRelative, formatTime } from "./format";

describe("format", () => {
  afterEach(() => i18n.changeLanguage("en"));

  it("writes sizes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1,023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5n * 1024n ** 3n)).toBe("5.0 GiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
  });
  it("writes durations at a readable precision", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(7_800_000)).toBe("2h 10m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d 4h");
  });
  it("says in or ago", () => {
    expect(formatRelative(10_000, 0)).toBe("in 10 s");
    expect(formatRelative(0, 60_000)).toBe("1m 00s ago");
  });
  it("writes numbers, dates and durations the way the chosen language does", async () => {
    await i18n.changeLanguage("hi");
    expect(formatCount(1_234_567)).toBe("12,34,567");
    expect(formatRelative(0, 7_800_000)).toBe("2 घं. 10 मि. पहले");
    await i18n.changeLanguage("zh");
    expect(formatDuration(185_000)).toBe("3 分 05 秒");
    expect(formatRelative(10_000, 0)).toBe("10 秒后");
    expect(formatTime(Date.UTC(2026, 11, 3, 12))).toMatch(/^2026年12月\d+日/);
  });
});
