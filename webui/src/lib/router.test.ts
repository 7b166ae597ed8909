import { describe, expect, it } from "vitest";
import { href, parseRoute } from "./router";

describe("routes", () => {
  it("round-trip through the hash, names escaped", () => {
    for (const r of [
      { name: "dashboard" },
      { name: "plan", id: "my plan/1" },
      { name: "repo", id: "r" },
      { name: "settings" },
      { name: "log", ref: "t-123" },
      { name: "fleet" },
      { name: "peers" },
      { name: "instance", keyid: "ed25519.a/b" },
    ] as const) {
      expect(parseRoute(href(r))).toEqual(r);
    }
  });
  it("sends anything else to not found", () => {
    expect(parseRoute("#/nope/x/y")).toEqual({ name: "notFound", path: "/nope/x/y" });
  });
});
