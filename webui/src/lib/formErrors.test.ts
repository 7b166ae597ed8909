import { describe, expect, it } from "vitest";
import { flagErrors, idError, linesError, mapServerErrors, sortLikeServer } from "./formErrors";
import { refusal, refusalOf } from "../api/testing";

describe("mapServerErrors", () => {
  const shown = [/^uri$/, /^env(\[\d+\])?$/, /^prunePolicy\.schedule(\..+)?$/];

  it("puts this object's shown errors on fields and the rest in the banner", () => {
    const e = refusalOf("config is invalid (4 problem(s)):", [
      ["repos[1].uri", "is empty"],
      ["repos[1].env[0]", "must be KEY=VALUE"],
      ["repos[1].guid", "is wrong"],
      ["repos[0].uri", "other"],
    ]);
    const m = mapServerErrors(e, ["repos[1]", "repo"], shown);
    expect(m.fields).toEqual({ uri: "is empty", "env[0]": "must be KEY=VALUE" });
    expect(m.banner).toBe("config is invalid (4 problem(s)):\nrepos[1].guid: is wrong\nrepos[0].uri: other");
  });

  it("merges errors that name the object either way", () => {
    const e = refusalOf("", [
      ["repo.uri", "a"],
      ["repos[2].prune_policy.schedule.cron", "b"],
    ]);
    const m = mapServerErrors(e, ["repos[2]", "repo"], shown);
    expect(m.fields).toEqual({ uri: "a", "prunePolicy.schedule.cron": "b" });
    expect(m.banner).toContain("marked fields");
  });

  it("keeps a message that names no field whole", () => {
    expect(mapServerErrors(refusal("restic: wrong password"), ["repo"], shown)).toEqual({ fields: {}, banner: "restic: wrong password" });
  });
});

describe("form helpers", () => {
  it("names the line of each list error", () => {
    expect(linesError({ flags: "bad list", "flags[2]": "x", "flags[0]": "y", other: "z" }, "flags")).toBe("bad list\nLine 1: y\nLine 3: x");
    expect(linesError({ "actionEmail.to[1]": "bad" }, "actionEmail.to")).toBe("Line 2: bad");
    expect(linesError({}, "flags")).toBeUndefined();
  });

  it("sorts by code point as the server does", () => {
    expect(sortLikeServer(["/b", "/B", "/a", "/é", "/z"])).toEqual(["/B", "/a", "/b", "/z", "/é"]);
  });

  it("checks ids and flags", () => {
    expect(idError("plan", "")).toContain("required");
    expect(idError("plan", "my plan")).toContain("letters");
    expect(idError("plan", "_x_")).toContain("reserved");
    expect(idError("plan", "ok-1.2_3")).toBeUndefined();
    expect(flagErrors("flags", ["--ok", "bad"])).toEqual({ "flags[1]": expect.stringContaining("must start with '-'") });
  });
});
