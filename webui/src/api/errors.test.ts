import { describe, expect, it } from "vitest";
import { errorsUnder, fieldErrors, toCamelPath } from "./errors";
import { refusal } from "./testing";

describe("validation errors", () => {
  it("maps each refused field of the BadRequest detail, camel-casing snake names", () => {
    const e = refusal("config is invalid", [
      ["plans[0].repo", "no repository has this id"],
      ["plans[0].backup_flags[1]", "must start with '-'"],
      ["repos[1].uri", "is empty"],
    ]);
    expect(fieldErrors(e)).toEqual({
      "plans[0].repo": "no repository has this id",
      "plans[0].backupFlags[1]": "must start with '-'",
      "repos[1].uri": "is empty",
    });
  });

  it("joins two messages for one field and reads nothing from the text", () => {
    const e = refusal("something went wrong\nid: is empty", [
      ["id", "is empty"],
      ["id", "has a space"],
    ]);
    expect(fieldErrors(e)).toEqual({ id: "is empty; has a space" });
    expect(fieldErrors(refusal("plans[0].repo: looks like a field"))).toEqual({});
    expect(fieldErrors(new Error("x"))).toEqual({});
  });

  it("re-keys the errors under one repo or plan", () => {
    const e = { "repos[1].uri": "bad", "repos[1]": "dup", "repos[10].uri": "x", "plans[1].id": "y", "repos[1].env[0]": "z" };
    expect(errorsUnder(e, "repos[1]")).toEqual({ uri: "bad", "": "dup", "env[0]": "z" });
  });

  it("camel-cases nested paths", () => {
    expect(toCamelPath("repos[0].prune_policy.max_unused_percent")).toBe("repos[0].prunePolicy.maxUnusedPercent");
  });
});
