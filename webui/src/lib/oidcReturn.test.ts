import { describe, expect, it } from "vitest";
import { parseOidcReturn } from "./oidcReturn";

describe("the single sign-on return", () => {
  it("finds a token or an error in the fragment", () => {
    expect(parseOidcReturn("#oidc_token=a.b-c_d")).toEqual({ token: "a.b-c_d" });
    expect(parseOidcReturn("#oidc_error=mallory+may+not+sign+in%3A+x")).toEqual({ error: "mallory may not sign in: x" });
    expect(parseOidcReturn("#oidc_error=")).toEqual({ error: "Single sign-on failed." });
  });

  it("leaves app routes alone", () => {
    expect(parseOidcReturn("#/settings")).toBeNull();
    expect(parseOidcReturn("")).toBeNull();
  });
});
