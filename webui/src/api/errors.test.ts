import { describe, expect, it } from "vitest";
import { errorsUnder, parseFieldErrors, toCamelPath } from "./errors";

describe("validation errors", () => {
  it("maps each path: message line to its field, camel-casing snake names", () => {
    const e = parseFieldErrors(
      "config is invalid:\nplans[0].repo: no repository has this id\nplans[0].backup_flags[1]: must start with '-'\nrepos[1].uri: is empty",
    );
    expect(e).toEqual({
      "plans[0].repo": "no repository has this id",
      "plans[0].backupFlags[1]": "must start with '-'",
      "repos[1].uri": "is empty",
    });
  });

  it("joins two messages for one field and ignores prose", () => {
    const e = parseFieldErrors("something went wrong\nid: is empty\nid: has a space");
    expect(e).toEqual({ id: "is empty; has a space" });
  });

  it("re-keys the errors under one repo or plan", () => {
    const e = { "repos[1].uri": "bad", "repos[1]": "dup", "repos[10].uri": "x", "plans[1].id": "y", "repos[1].env[0]": "z" };
    expect(errorsUnder(e, "repos[1]")).toEqual({ uri: "bad", "": "dup", "env[0]": "z" });
  });

  it("camel-cases nested paths", () => {
    expect(toCamelPath("repos[0].prune_policy.max_unused_percent")).toBe("repos[0].prunePolicy.maxUnusedPercent");
  });
});
