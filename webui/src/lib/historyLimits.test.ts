import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { HistoryLimitSchema, type HistoryLimit } from "@gen/v1/config_pb";
import { HISTORY_KINDS, addLimit, availableKinds, defaultLimit, parseCount, removeLimit, updateLimit } from "./historyLimits";

const row = (kind: string, maxAgeDays: number, keepMin: number, keepMax: number): HistoryLimit =>
  create(HistoryLimitSchema, { kind, maxAgeDays, keepMin, keepMax });
const plain = (rows: HistoryLimit[]) => rows.map((r) => [r.kind, r.maxAgeDays, r.keepMin, r.keepMax]);

describe("history limit rows", () => {
  it("adds the first unused kind with its defaults, and nothing once every kind is used", () => {
    let rows = addLimit([]);
    expect(plain(rows)).toEqual([["default", 30, 1, 100]]);
    rows = addLimit(addLimit(rows));
    expect(plain(rows)).toEqual([
      ["default", 30, 1, 100],
      ["backup", 30, 1, 100],
      ["index_snapshot", 30, 1, 100],
    ]);
    let all: HistoryLimit[] = [];
    for (let i = 0; i < HISTORY_KINDS.length; i++) all = addLimit(all);
    expect(all.map((r) => r.kind)).toEqual([...HISTORY_KINDS]);
    expect(addLimit(all)).toBe(all);
  });

  it("offers each row its own kind and the unused ones", () => {
    const rows = [row("backup", 30, 1, 100), row("prune", 365, 1, 12)];
    expect(availableKinds(rows, 0)).toContain("backup");
    expect(availableKinds(rows, 0)).not.toContain("prune");
    expect(availableKinds(rows)).not.toContain("backup");
  });

  it("knows Backrest's defaults", () => {
    expect(defaultLimit("stats")).toEqual({ maxAgeDays: 365, keepMin: 1, keepMax: 100 });
    expect(defaultLimit("check")).toEqual({ maxAgeDays: 365, keepMin: 1, keepMax: 12 });
    expect(defaultLimit("forget")).toEqual({ maxAgeDays: 30, keepMin: 1, keepMax: 30 });
    expect(defaultLimit("run_command")).toEqual({ maxAgeDays: 30, keepMin: 1, keepMax: 100 });
  });

  it("changes one row without touching the others or the original", () => {
    const rows = [row("backup", 30, 1, 100), row("prune", 365, 1, 12)];
    const next = updateLimit(rows, 1, { keepMax: 20, maxAgeDays: 90 });
    expect(plain(next)).toEqual([
      ["backup", 30, 1, 100],
      ["prune", 90, 1, 20],
    ]);
    expect(plain(rows)[1]).toEqual(["prune", 365, 1, 12]);
    expect(next[0]).toBe(rows[0]);
  });

  it("takes the new kind's defaults on a kind change only while the row holds the old kind's", () => {
    expect(plain(updateLimit([row("backup", 30, 1, 100)], 0, { kind: "check" }))).toEqual([["check", 365, 1, 12]]);
    expect(plain(updateLimit([row("backup", 7, 2, 50)], 0, { kind: "check" }))).toEqual([["check", 7, 2, 50]]);
  });

  it("removes a row", () => {
    const rows = [row("backup", 30, 1, 100), row("prune", 365, 1, 12), row("hook", 30, 1, 100)];
    expect(removeLimit(rows, 1).map((r) => r.kind)).toEqual(["backup", "hook"]);
  });

  it("reads a number field", () => {
    expect(parseCount("")).toBe(0);
    expect(parseCount(" 12 ")).toBe(12);
    expect(parseCount("3.9")).toBe(3);
    expect(parseCount("-4")).toBe(-4);
    expect(parseCount("abc")).toBe(0);
    expect(parseCount("1e12")).toBe(2147483647);
  });
});
