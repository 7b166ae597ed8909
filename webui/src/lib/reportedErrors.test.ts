import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema, HookSchema, PlanSchema, ScheduleSchema, type Plan, type Schedule } from "@gen/v1/config_pb";
import { currentErrors, isOutdated } from "./reportedErrors";

function plan(p: Partial<Plan> = {}): Plan {
  const base = create(PlanSchema, {
    id: "docs",
    paths: ["rel", "/ok"],
    backupFlags: ["bad", "--x"],
    schedule: { schedule: { case: "cron", value: "61 * * * *" } },
    hooks: [{ action: { case: "actionCommand", value: { command: "" } } }, { action: { case: "actionNtfy", value: { url: "" } } }],
  });
  return { ...base, ...p };
}

const reported = {
  "paths[0]": "relative",
  "backupFlags[0]": "bad flag",
  "schedule.cron": "bad cron",
  "hooks[0].actionCommand.command": "empty",
  "hooks[1].actionNtfy.url": "required",
  id: "taken",
};

describe("currentErrors", () => {
  it("keeps every error while nothing changed", () => {
    expect(currentErrors(reported, plan(), plan())).toEqual(reported);
  });

  it("drops the error of an edited field only", () => {
    const before = plan();
    const after = { ...before, paths: ["/abs", "/ok"] };
    expect(Object.keys(currentErrors(reported, before, after))).not.toContain("paths[0]");
    expect(Object.keys(currentErrors(reported, before, after))).toContain("backupFlags[0]");
    const edited = plan({ hooks: [before.hooks[0], create(HookSchema, { action: { case: "actionNtfy", value: { url: "https://x" } } })] });
    const left = currentErrors(reported, before, edited);
    expect(left["hooks[1].actionNtfy.url"]).toBeUndefined();
    expect(left["hooks[0].actionCommand.command"]).toBe("empty");
  });

  it("drops the errors under a list whose rows were added, removed or reordered", () => {
    const before = plan();
    const moved = { ...before, hooks: [before.hooks[1], before.hooks[0]] };
    const added = { ...before, paths: [...before.paths, ""] };
    const removed = { ...before, backupFlags: ["--x"] };
    expect(Object.keys(currentErrors(reported, before, moved))).toEqual(["paths[0]", "backupFlags[0]", "schedule.cron", "id"]);
    expect(currentErrors(reported, before, added)["paths[0]"]).toBeUndefined();
    expect(currentErrors(reported, before, removed)["backupFlags[0]"]).toBeUndefined();
    // A row that becomes a copy of another is an edit, not a move: the other rows keep theirs.
    expect(isOutdated("paths[1]", before, { ...before, paths: ["/ok", "/ok"] })).toBe(false);
  });

  it("follows oneof members and drops an error when the case changes", () => {
    const before = plan();
    const other = (schedule: Schedule["schedule"]) => ({ ...before, schedule: create(ScheduleSchema, { schedule }) });
    expect(isOutdated("schedule.cron", before, other({ case: "cron", value: "0 * * * *" }))).toBe(true);
    expect(isOutdated("schedule.cron", before, other({ case: "maxFrequencyHours", value: 1 }))).toBe(true);
    expect(isOutdated("schedule.cron", before, other({ case: "cron", value: "61 * * * *" }))).toBe(false);
    expect(isOutdated("schedule.clock", before, before)).toBe(false);
  });

  it("works on whole configs (settings)", () => {
    const c = create(ConfigSchema, {
      cairn: {
        historyLimits: [
          { kind: "backup", keepMax: 0 },
          { kind: "prune", keepMax: 0 },
        ],
      },
      auth: { users: [{ name: "a", password: { case: "passwordBcrypt", value: "x" } }] },
    });
    const errors = { "cairn.historyLimits[1].keepMax": "too small", "auth.users[0].passwordBcrypt": "bad hash" };
    expect(currentErrors(errors, c, c)).toEqual(errors);
    const edited = create(ConfigSchema, {
      cairn: {
        historyLimits: [
          { kind: "backup", keepMax: 0 },
          { kind: "prune", keepMax: 5 },
        ],
      },
      auth: c.auth,
    });
    expect(currentErrors(errors, c, edited)).toEqual({ "auth.users[0].passwordBcrypt": "bad hash" });
    const removed = create(ConfigSchema, { cairn: { historyLimits: [{ kind: "prune", keepMax: 0 }] }, auth: c.auth });
    expect(currentErrors(errors, c, removed)).toEqual({ "auth.users[0].passwordBcrypt": "bad hash" });
  });
});
