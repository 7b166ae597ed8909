import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { UserSchema } from "@gen/v1/config_pb";
import { SECRET_PLACEHOLDER, passwordFromHash, passwordProblem, passwordState, userNameProblem } from "./passwords";

describe("password hashes", () => {
  it("puts an argon2 hash in passwordArgon2 and anything else in passwordBcrypt", () => {
    const argon = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    expect(passwordFromHash(argon)).toEqual({ case: "passwordArgon2", value: argon });
    const bcrypt = "JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6";
    expect(passwordFromHash(bcrypt)).toEqual({ case: "passwordBcrypt", value: bcrypt });
  });

  it("tells a kept hash from a new one", () => {
    expect(passwordState(create(UserSchema, { name: "a", password: { case: "passwordBcrypt", value: SECRET_PLACEHOLDER } }))).toBe(
      "stored",
    );
    expect(passwordState(create(UserSchema, { name: "a", password: { case: "passwordArgon2", value: "$argon2id$x" } }))).toBe("new");
    expect(passwordState(create(UserSchema, { name: "a" }))).toBe("none");
  });

  it("checks a new password and its confirmation", () => {
    expect(passwordProblem("", "")).toMatch(/Enter/);
    expect(passwordProblem("short", "short")).toMatch(/8 characters/);
    expect(passwordProblem("long enough", "long enougH")).toMatch(/differ/);
    expect(passwordProblem("long enough", "long enough")).toBeNull();
    expect(passwordProblem("é".repeat(37), "é".repeat(37))).toMatch(/72 bytes/);
    expect(passwordProblem("x".repeat(72), "x".repeat(72))).toBeNull();
  });

  it("checks a new user's name as the server does", () => {
    expect(userNameProblem("", [])).toMatch(/Enter/);
    expect(userNameProblem("a b", [])).toMatch(/letters/);
    expect(userNameProblem("alice@example.com", [])).toBeNull();
    expect(userNameProblem("_x_", [])).toMatch(/reserved/);
    expect(userNameProblem("admin", ["admin"])).toMatch(/exists/);
    expect(userNameProblem("backup.bot-2", ["admin"])).toBeNull();
  });
});
