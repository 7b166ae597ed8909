import { describe, expect, it } from "vitest";
import { envWarning, generatePassword, hasPasswordSource, parseSftpUri, schemeOf, sftpArgsFlag } from "./repoUri";

describe("repository URIs", () => {
  it("finds the backend", () => {
    expect(schemeOf("")).toBeNull();
    expect(schemeOf("/mnt/x")).toBe("local");
    expect(schemeOf("C:\\backup")).toBe("local");
    expect(schemeOf("S3:host/bucket")).toBe("s3");
    expect(schemeOf("rest:https://h/r")).toBe("rest");
    expect(schemeOf("foo:bar")).toBe("foo");
  });

  it("reads SFTP targets in both forms", () => {
    expect(parseSftpUri("sftp:me@host:/srv/r")).toEqual({ user: "me", host: "host" });
    expect(parseSftpUri("sftp:host:/srv/r")).toEqual({ user: "", host: "host" });
    expect(parseSftpUri("sftp://me@host:2222//srv/r")).toEqual({ user: "me", host: "host", port: "2222" });
    expect(parseSftpUri("sftp://[::1]/r")).toEqual({ user: "", host: "[::1]", port: undefined });
    expect(parseSftpUri("sftp:")).toBeNull();
  });

  it("builds the ssh options, with a port only when it is not 22", () => {
    expect(sftpArgsFlag("/k", "/kh", "22")).toBe(`--option=sftp.args='-oBatchMode=yes -i "/k" -oUserKnownHostsFile="/kh"'`);
    expect(sftpArgsFlag("/k", "/kh", "2222")).toContain("-p 2222 ");
  });

  it("warns about missing credentials per backend", () => {
    expect(envWarning("s3", [])).toContain("AWS_ACCESS_KEY_ID");
    expect(envWarning("s3", ["AWS_ACCESS_KEY_ID=a", "AWS_SECRET_ACCESS_KEY=********"])).toBeNull();
    expect(envWarning("s3", ["AWS_SHARED_CREDENTIALS_FILE=/x"])).toBeNull();
    expect(envWarning("azure", ["AZURE_ACCOUNT_NAME=a"])).toContain("AZURE_ACCOUNT_SAS");
    expect(envWarning("azure", ["AZURE_ACCOUNT_NAME=a", "AZURE_ACCOUNT_SAS=s"])).toBeNull();
    expect(envWarning("gs", ["GOOGLE_ACCESS_TOKEN=t"])).toBeNull();
    expect(envWarning("b2", ["B2_ACCOUNT_ID=a"])).toContain("B2_ACCOUNT_KEY");
    expect(envWarning("local", [])).toBeNull();
  });

  it("knows where a password can come from", () => {
    const r = { password: "", env: [] as string[], flags: [] as string[] };
    expect(hasPasswordSource(r)).toBe(false);
    expect(hasPasswordSource({ ...r, env: ["RESTIC_PASSWORD_FILE=/p"] })).toBe(true);
    expect(hasPasswordSource({ ...r, flags: ["--insecure-no-password"] })).toBe(true);
    expect(hasPasswordSource({ ...r, password: "********" })).toBe(true);
  });

  it("generates 48 random letters and digits", () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(generatePassword()).not.toBe(a);
  });
});
