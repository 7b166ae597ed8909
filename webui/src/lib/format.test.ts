import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatRelative } from "./format";

describe("format", () => {
  it("writes sizes in binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
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
});
