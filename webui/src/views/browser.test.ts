import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { LsEntrySchema } from "@gen/v1/service_pb";
import { modeString, sortEntries } from "./SnapshotBrowser";
import { defaultTarget } from "./RestoreDialog";
import { downloadLink } from "./download";

describe("snapshot browser", () => {
  it("lists directories first, by name, without the listed directory itself", () => {
    const e = (name: string, type: string, path = `/src/${name}`) => create(LsEntrySchema, { name, type, path });
    const sorted = sortEntries("/src", [e("b.txt", "file"), e("src", "dir", "/src"), e("z", "dir"), e("a.txt", "file"), e("c", "dir")]);
    expect(sorted.map((x) => x.name)).toEqual(["c", "z", "a.txt", "b.txt"]);
  });

  it("writes modes as ls does", () => {
    expect(modeString(0o644n, "file")).toBe("-rw-r--r--");
    expect(modeString(0o755n | (1n << 31n), "dir")).toBe("drwxr-xr-x");
    expect(modeString(0o777n, "symlink")).toBe("lrwxrwxrwx");
  });

  it("restores beside the original by default", () => {
    expect(defaultTarget("/home/me/docs/", "0123456789abcdef")).toBe("/home/me/docs-restore-01234567");
    expect(defaultTarget("/", "0123456789abcdef")).toBe("/restore-restore-01234567");
    expect(defaultTarget("/home/me/a.txt", "0123456789abcdef", true)).toBe("/home/me/cairn-restore-01234567");
    expect(defaultTarget("/top", "0123456789abcdef", true)).toBe("/cairn-restore-01234567");
  });
});

describe("download links", () => {
  it("resolve under the page's folder and switch to zip on request", () => {
    window.history.replaceState(null, "", "/cairn/index.html#/plan/x");
    expect(downloadLink("./download/tok/docs.tar.gz")).toBe("http://localhost:3000/cairn/download/tok/docs.tar.gz");
    expect(downloadLink("./download/tok/docs.tar.gz", "zip")).toBe("http://localhost:3000/cairn/download/tok/docs.zip?format=zip");
  });

  it("keep a single file's own name", () => {
    window.history.replaceState(null, "", "/cairn/index.html#/plan/x");
    expect(downloadLink("./download/tok/notes.txt")).toBe("http://localhost:3000/cairn/download/tok/notes.txt");
  });
});
