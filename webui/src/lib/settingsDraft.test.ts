import { describe, expect, it } from "vitest";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiTokenSchema, CairnSettingsSchema, ConfigSchema, type Config } from "@gen/v1/config_pb";
import { isDirty, isPlaced, isStaleModno, normalizeConfig, rebaseDraft, splitSaveError, userError } from "./settingsDraft";
import { refusal, refusalOf } from "../api/testing";

type Init = { modno?: number; instance?: string; cairn?: MessageInitShape<typeof CairnSettingsSchema> };

const cfg = (init: Init = {}): Config =>
  create(ConfigSchema, {
    modno: 3,
    instance: "box",
    auth: { users: [{ name: "admin", password: { case: "passwordArgon2", value: "********" } }] },
    ...init,
  });
const token = (id: string) => create(ApiTokenSchema, { id, label: id, user: "admin", sha256: "0".repeat(64) });

describe("the settings draft", () => {
  it("fills in the sections the form edits, without changing the original", () => {
    const c = create(ConfigSchema, { modno: 1 });
    const n = normalizeConfig(c);
    expect(n.auth).toBeDefined();
    expect(n.cairn).toBeDefined();
    expect(c.auth).toBeUndefined();
    expect(isDirty(c, n)).toBe(false);
  });

  it("tells an edited draft", () => {
    const base = normalizeConfig(cfg());
    const draft = normalizeConfig(base);
    expect(isDirty(base, draft)).toBe(false);
    if (draft.cairn) draft.cairn.maxParallelTasks = 4;
    expect(isDirty(base, draft)).toBe(true);
  });

  it("carries a draft over a change of API tokens only", () => {
    const base = normalizeConfig(cfg());
    const draft = normalizeConfig(base);
    if (draft.cairn) draft.cairn.hookTimeoutSeconds = 60;
    const fresh = cfg({ modno: 4, cairn: { apiTokens: [token("t1")] } });
    const r = rebaseDraft(base, draft, fresh);
    expect(r).not.toBeNull();
    expect(r?.draft.modno).toBe(4);
    expect(r?.draft.cairn?.apiTokens.map((t) => t.id)).toEqual(["t1"]);
    expect(r?.draft.cairn?.hookTimeoutSeconds).toBe(60);
    expect(r?.base.modno).toBe(4);
  });

  it("refuses to carry a draft over any other change", () => {
    const base = normalizeConfig(cfg());
    const draft = normalizeConfig(base);
    expect(rebaseDraft(base, draft, cfg({ modno: 4, instance: "other" }))).toBeNull();
    expect(rebaseDraft(base, draft, cfg({ modno: 4, cairn: { maxParallelTasks: 3 } }))).toBeNull();
  });

  it("recognises a stale save", () => {
    expect(isStaleModno(new ConnectError("config modno mismatch, reload and try again", Code.FailedPrecondition))).toBe(true);
    expect(isStaleModno(new ConnectError("config is invalid", Code.InvalidArgument))).toBe(false);
    expect(isStaleModno(new Error("modno"))).toBe(false);
  });
});

describe("a refused save", () => {
  it("puts this page's fields beside them and the rest in the banner", () => {
    const e = refusalOf("config is invalid (4 problem(s)):", [
      ["auth.users[1].name", 'user name "a b" has invalid characters'],
      ["cairn.max_parallel_tasks", "99 is out of range; use 1 to 64 (or 0 for the default, 2)"],
      ["cairn.history_limits[0].keep_min", "keep_min (5) must be between 0 and keep_max (2), and keep_max at least 1"],
      ["repos[0].uri", "a repository URI is required"],
    ]);
    const { fields, other } = splitSaveError(e);
    expect(Object.keys(fields).sort()).toEqual(["auth.users[1].name", "cairn.historyLimits[0].keepMin", "cairn.maxParallelTasks"]);
    expect(other).toEqual(["repos[0].uri: a repository URI is required"]);
  });

  it("shows a message naming no field whole", () => {
    expect(splitSaveError(refusal("something broke"))).toEqual({ fields: {}, other: ["something broke"] });
  });

  it("knows which paths it places", () => {
    expect(isPlaced("instance")).toBe(true);
    expect(isPlaced("auth.users[0].passwordBcrypt")).toBe(true);
    expect(isPlaced("cairn.historyLimits[2].kind")).toBe(true);
    expect(isPlaced("cairn.hookTimeoutSeconds")).toBe(true);
    expect(isPlaced("cairn.apiTokens[0].sha256")).toBe(false);
    expect(isPlaced("plans[0].repo")).toBe(false);
  });

  it("finds a user row's errors", () => {
    const e = { "auth.users[1].name": "bad", "auth.users[1].passwordBcrypt": "a password hash is required" };
    expect(userError(e, 1)).toEqual({ name: "bad", password: "a password hash is required", row: undefined });
    expect(userError(e, 0)).toEqual({ name: undefined, password: undefined, row: undefined });
  });
});
