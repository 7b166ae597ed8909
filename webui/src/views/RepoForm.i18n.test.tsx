// The repository form in the pseudo-language: every text it shows, in each of its states, comes from a
// catalogue, apart from the data put in (names, URIs, the server's messages).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema, type Config } from "@gen/v1/config_pb";
import { CheckRepoExistsResponseSchema, SetupSftpResponseSchema, type SetupSftpResponse } from "@gen/v1/service_pb";
import { refusalOf } from "../api/testing";
import type { ConfigState } from "../state/config";

vi.mock("../api/client", () => ({
  backrest: {
    addRepo: vi.fn(),
    checkRepoExists: vi.fn(),
    removeRepo: vi.fn(),
    setupSftp: vi.fn(),
    pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })),
  },
  cairn: { getStatus: vi.fn(() => Promise.resolve({ timeZone: "UTC" })) },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
vi.mock("../components/Toasts", () => ({ notify: vi.fn() }));

import { backrest } from "../api/client";
import { notify } from "../components/Toasts";

import { dataStrings, untranslated } from "../i18n/testing";
import { RepoForm } from "./RepoForm";
import { BACKENDS } from "./repoUri";
import { ENV_EXAMPLE, FLAG_EXAMPLE, LOCAL_EXAMPLE } from "./repo-form/ConnectionSection";
import { translatedScreen } from "../i18n/screen";
import { typeInto } from "../testing/dom";

const screen = translatedScreen();

function config(): Config {
  return create(ConfigSchema, {
    modno: 3,
    instance: "box",
    repos: [
      { id: "nas", uri: "/mnt/nas", guid: "a".repeat(64), password: "********", originInstanceId: "laptop" },
      {
        id: "cloud",
        uri: "s3:s3.amazonaws.com/bucket",
        password: "pw",
        checkPolicy: { mode: { case: "readDataRotation", value: 12 } },
        forgetPolicy: {
          schedule: { schedule: { case: "maxFrequencyDays", value: 7 } },
          retention: { policy: { case: "policyKeepLastN", value: 5 } },
        },
      },
    ],
    plans: [{ id: "docs", repo: "nas", paths: ["/home/me/docs"] }],
  });
}

/** The examples the form shows as placeholders and hints: syntax, the same in every language. */
const EXAMPLES = [LOCAL_EXAMPLE, ENV_EXAMPLE, FLAG_EXAMPLE, ...BACKENDS.flatMap((b) => [b.example, b.envExample ?? ""])];

/** What the test typed or the server answered: data, shown as it is. */
const typed: string[] = [];

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));
const pseudo = (english: string) => `⟦${english}⟧`;

function mount(repoId?: string) {
  const c = config();
  state.current = { config: c, error: null, reload: vi.fn(), save: vi.fn(), replace: vi.fn() };
  act(() => screen.root.render(<RepoForm repoId={repoId} onClose={() => {}} />));
  expect(screen.container.querySelector("[role=dialog] h2")?.textContent).toContain("⟦");
  return c;
}

function control<T extends HTMLElement = HTMLInputElement>(english: string): T {
  const label = [...screen.container.querySelectorAll("label")].find((l) => l.textContent === pseudo(english));
  const el = label?.control;
  if (!el) throw new Error(`no field labelled ${english}`);
  return el as T;
}

function button(english: string): HTMLButtonElement {
  const found = [...screen.container.querySelectorAll("button")].filter((b) => b.textContent === pseudo(english));
  if (found.length !== 1) throw new Error(`${found.length} buttons ${english}`);
  return found[0];
}

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  typed.push(value);
  typeInto(el, value);
}

function choose(el: HTMLSelectElement, value: string) {
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

async function click(el: HTMLElement) {
  act(() => el.click());
  await wait();
}

function leftOver(...data: unknown[]): string[] {
  return untranslated(screen.container, [...dataStrings(config(), ...data), ...EXAMPLES, ...typed]);
}

beforeEach(async () => {
  typed.length = 0;
});
describe("RepoForm in another language", () => {
  it("shows a new, empty form with its policy and advanced sections", () => {
    mount();
    expect(screen.container.querySelectorAll("h3").length).toBeGreaterThanOrEqual(6);
    expect(leftOver()).toEqual([]);
  });

  it("explains each kind of storage, an unknown scheme, and the credentials each lacks", () => {
    mount();
    for (const uri of [...BACKENDS.map((b) => b.example), "foo:bar"]) {
      type(control("URI"), uri);
      expect(leftOver(), uri).toEqual([]);
    }
    type(control("URI"), "s3:host/bucket");
    expect(screen.container.querySelector(".banner-warn")?.textContent).toContain("AWS_ACCESS_KEY_ID");
  });

  it("offers each engine with its hint, and generates and shows a password", async () => {
    mount();
    for (const engine of ["restic", "embedded", "auto"]) {
      choose(control<HTMLSelectElement>("Engine"), engine);
      expect(leftOver(), engine).toEqual([]);
    }
    await click(button("Generate"));
    expect(control("Password").type).toBe("text");
    await click(button("Hide"));
    expect(leftOver()).toEqual([]);
  });

  it("shows the SSH key helper: the URI form it needs, a port, the public key and a host key it could not fetch", async () => {
    mount();
    type(control("URI"), "sftp:");
    expect(screen.container.querySelector(".sftp-helper code")).not.toBeNull();
    expect(leftOver()).toEqual([]);

    type(control("URI"), "sftp://me@host:2222//srv/b");
    expect(leftOver()).toEqual([]);

    const answer: SetupSftpResponse = create(SetupSftpResponseSchema, {
      publicKey: "ssh-ed25519 AAAA cairn@host",
      keyPath: "/etc/cairn/.cairn-ssh/id_ed25519_host",
      knownHostsPath: "/etc/cairn/.cairn-ssh/known_hosts",
      error: "dial tcp: connection refused",
    });
    vi.mocked(backrest.setupSftp).mockResolvedValue(answer);
    for (const uri of ["sftp:me@host:/srv/b", "sftp:host:/srv/b"]) {
      type(control("URI"), uri);
      await click(button("Set up SSH key"));
      expect(control<HTMLTextAreaElement>("Public key").value).toBe(answer.publicKey);
      expect(leftOver(answer, control<HTMLTextAreaElement>("Flags").value)).toEqual([]);
    }

    vi.mocked(backrest.setupSftp).mockRejectedValue(new Error("permission denied"));
    await click(button("Set up SSH key"));
    expect(screen.container.textContent).toContain("permission denied");
    expect(leftOver(answer, control<HTMLTextAreaElement>("Flags").value, "permission denied")).toEqual([]);
  });

  it("marks the form's own errors and then the server's refusal", async () => {
    mount();
    type(control<HTMLTextAreaElement>("Environment"), "novalue");
    type(control<HTMLTextAreaElement>("Flags"), "limit-upload=10");
    await click(button("Save"));
    expect(backrest.addRepo).not.toHaveBeenCalled();
    expect(screen.container.querySelectorAll(".field-error").length).toBeGreaterThanOrEqual(4);
    expect(leftOver()).toEqual([]);

    const lead = "config is invalid (2 problem(s)):";
    const refused = refusalOf(lead, [
      ["repos[2].password", "cannot be restored"],
      ["plans[0].repo", "gone"],
    ]);
    vi.mocked(backrest.addRepo).mockRejectedValue(refused);
    type(control("Repository name"), "b");
    type(control("URI"), "/srv/b");
    type(control("Password"), "pw");
    type(control<HTMLTextAreaElement>("Environment"), "A=1");
    type(control<HTMLTextAreaElement>("Flags"), "--one");
    await click(button("Save"));
    expect(screen.container.querySelector(".banner-error")?.textContent).toContain("plans[0].repo: gone");
    expect(leftOver(lead, "plans[0].repo: gone", "cannot be restored")).toEqual([]);
  });

  it("reports what a connection test found, and the server's error", async () => {
    mount();
    type(control("URI"), "sftp:me@host:/srv/b");
    type(control("Password"), "pw");
    const answers = [
      { exists: true },
      { exists: false },
      { hostKeyUntrusted: true, error: "Host key verification failed." },
      { error: "repository is locked" },
    ];
    for (const a of answers) {
      vi.mocked(backrest.checkRepoExists).mockResolvedValue(create(CheckRepoExistsResponseSchema, a));
      await click(button("Test connection"));
      expect(screen.container.querySelector(".test-result")).not.toBeNull();
      expect(leftOver(a), JSON.stringify(a)).toEqual([]);
    }
    vi.mocked(backrest.checkRepoExists).mockRejectedValue(new Error("unreachable"));
    await click(button("Test connection"));
    expect(leftOver("unreachable")).toEqual([]);
  });

  it("says what it is doing while it saves and tests", async () => {
    mount();
    type(control("Repository name"), "b");
    type(control("URI"), "/srv/b");
    type(control("Password"), "pw");
    vi.mocked(backrest.checkRepoExists).mockReturnValue(new Promise(() => {}) as never);
    await click(button("Test connection"));
    expect(screen.container.querySelector(".test-result")).not.toBeNull();
    expect(leftOver()).toEqual([]);
    act(() => screen.root.render(<></>));

    mount();
    type(control("Repository name"), "c");
    type(control("URI"), "/srv/c");
    type(control("Password"), "pw");
    vi.mocked(backrest.addRepo).mockReturnValue(new Promise(() => {}) as never);
    await click(button("Save"));
    expect(screen.container.querySelector(".test-result")).not.toBeNull();
    expect(leftOver()).toEqual([]);
  });

  it("edits a shared repository whose password is stored, and asks before deleting it", async () => {
    mount("nas");
    expect(screen.container.querySelector("[role=note]")).not.toBeNull();
    expect(leftOver()).toEqual([]);
    await click(button("Delete"));
    expect(screen.container.querySelectorAll("[role=dialog]")).toHaveLength(2);
    expect(leftOver()).toEqual([]);
  });

  it("edits a repository with its own forget policy, deletes it and says so", async () => {
    vi.mocked(backrest.addRepo).mockResolvedValue(config());
    vi.mocked(backrest.removeRepo).mockResolvedValue(config());
    mount("cloud");
    expect(leftOver()).toEqual([]);
    await click(button("Save"));
    await click(button("Delete"));
    expect(leftOver()).toEqual([]);
    await click(button("Delete repository"));
    const toasts = vi.mocked(notify).mock.calls.map((c) => c[0]);
    expect(toasts).toHaveLength(2);
    for (const text of toasts) expect(text).toMatch(/^⟦.*⟧$/);
  });

  it("names a repository that is gone", () => {
    state.current = { config: config(), error: null, reload: vi.fn(), save: vi.fn(), replace: vi.fn() };
    act(() => screen.root.render(<RepoForm repoId="gone" onClose={() => {}} />));
    expect(screen.container.querySelector("[role=alert]")).not.toBeNull();
    expect(leftOver("gone")).toEqual([]);
  });
});
