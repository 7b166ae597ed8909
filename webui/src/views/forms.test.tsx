import { afterEach, describe, expect, it, vi } from "vitest";
import { act, useState } from "react";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { refusalOf } from "../api/testing";
import {
  ConfigSchema,
  Hook_Condition,
  RepoSchema,
  ScheduleSchema,
  Schedule_Clock,
  type Config,
  type Hook,
  type Schedule,
} from "@gen/v1/config_pb";
import { CheckRepoExistsResponseSchema, SummaryDashboardResponseSchema, type SummaryDashboardResponse } from "@gen/v1/service_pb";
import type { ConfigState } from "../state/config";

vi.mock("../api/client", () => ({
  backrest: {
    addRepo: vi.fn(),
    checkRepoExists: vi.fn(),
    removeRepo: vi.fn(),
    setupSftp: vi.fn(),
    pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })),
  },
  cairn: { getStatus: vi.fn(() => Promise.resolve({ timeZone: "Asia/Tokyo" })) },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
const activity: { dashboard: SummaryDashboardResponse | null } = { dashboard: null };
vi.mock("../state/activity", () => ({ useActivity: () => activity }));

import { backrest } from "../api/client";
import { RepoForm } from "./RepoForm";
import { PlanForm } from "./PlanForm";
import { ScheduleEditor } from "../components/ScheduleEditor";
import { HookEditor } from "../components/HookEditor";
import { renderedScreen } from "../testing/screen";

const screen = renderedScreen();
const save = vi.fn<(c: Config) => Promise<Config>>();
const reload = vi.fn<() => Promise<Config | null>>();
const replace = vi.fn<(c: Config) => void>();

const GUID = "a".repeat(64);

function config(): Config {
  return create(ConfigSchema, {
    modno: 3,
    instance: "box",
    repos: [{ id: "nas", uri: "/mnt/nas", guid: GUID, password: "********" }],
    plans: [{ id: "docs", repo: "nas", paths: ["/home/me/docs"], schedule: { schedule: { case: "maxFrequencyHours", value: 6 } } }],
  });
}

function mount(node: React.ReactNode, c: Config = config()) {
  state.current = { config: c, error: null, reload, save, replace };
  act(() => screen.root.render(node));
}

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

/** A label's own text: the label itself (Field) or its .field-label part (checkboxes). */
function labelText(l: HTMLLabelElement): string | null | undefined {
  return l.classList.contains("field-label") ? l.textContent : l.querySelector(".field-label")?.textContent;
}

function fields(label: string, scope: ParentNode = screen.container): HTMLElement[] {
  return [...scope.querySelectorAll("label")]
    .filter((x) => labelText(x) === label)
    .map((l) => l.control ?? l.querySelector("input, select, textarea"))
    .filter((x): x is HTMLElement => x !== null);
}

function control<T extends HTMLElement = HTMLInputElement>(label: string, scope: ParentNode = screen.container): T {
  const found = fields(label, scope);
  if (found.length !== 1) throw new Error(`${found.length} fields labelled ${label}`);
  return found[0] as T;
}

function fieldOf(el: HTMLElement): HTMLElement {
  const f = el.closest(".field");
  if (!(f instanceof HTMLElement)) throw new Error("not in a field");
  return f;
}

function type(el: HTMLElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

function choose(el: HTMLSelectElement, value: string) {
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

function button(text: string, scope: ParentNode = screen.container): HTMLButtonElement {
  const b = [...scope.querySelectorAll("button")].filter((x) => x.textContent === text);
  if (b.length !== 1) throw new Error(`${b.length} buttons ${text}`);
  return b[0];
}

function click(el: HTMLElement) {
  act(() => el.click());
}

afterEach(() => {
  document.body.innerHTML = "";
  activity.dashboard = null;
  vi.clearAllMocks();
});

function pressEscape() {
  act(() => {
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", cancelable: true }));
  });
}

const dialogNames = () => [...document.querySelectorAll("[role=dialog]")].map((d) => d.getAttribute("aria-label"));

function ScheduleHost(props: { initial?: Schedule; errors?: Record<string, string>; seen: Schedule[] }) {
  const [s, setS] = useState<Schedule | undefined>(props.initial);
  return (
    <ScheduleEditor
      value={s}
      errors={props.errors}
      onChange={(x) => {
        props.seen.push(x);
        setS(x);
      }}
    />
  );
}

describe("ScheduleEditor", () => {
  it("switches between kinds and previews the next runs", () => {
    const seen: Schedule[] = [];
    mount(<ScheduleHost seen={seen} initial={create(ScheduleSchema, { schedule: { case: "disabled", value: true } })} />);
    expect(screen.container.textContent).toContain("Disabled");
    expect(screen.container.textContent).not.toContain("Next runs");

    choose(control<HTMLSelectElement>("Schedule"), "hours");
    expect(seen.at(-1)?.schedule).toEqual({ case: "maxFrequencyHours", value: 6 });
    type(control("Hours"), "12");
    expect(seen.at(-1)?.schedule).toEqual({ case: "maxFrequencyHours", value: 12 });
    expect(screen.container.textContent).toContain("Every 12 hours");
    expect(screen.container.textContent).toContain("Next runs");
    expect(screen.container.querySelectorAll(".schedule-preview li")).toHaveLength(5);

    choose(control<HTMLSelectElement>("Schedule"), "cron");
    const cron = control("Cron expression");
    click(button("Daily at 03:00"));
    expect(seen.at(-1)?.schedule).toEqual({ case: "cron", value: "0 3 * * *" });
    choose(control<HTMLSelectElement>("Clock"), String(Schedule_Clock.UTC));
    expect(seen.at(-1)?.clock).toBe(Schedule_Clock.UTC);
    expect(screen.container.textContent).toContain("At 03:00 every day (UTC)");

    type(cron, "0 3 * * 7");
    expect(fieldOf(cron).querySelector("[role=alert]")?.textContent).toContain("use 0 for Sunday");
    expect(screen.container.querySelectorAll(".schedule-preview li")).toHaveLength(0);

    // Back to hours: the value typed before is remembered.
    choose(control<HTMLSelectElement>("Schedule"), "hours");
    expect(seen.at(-1)?.schedule).toEqual({ case: "maxFrequencyHours", value: 12 });
  });

  it("shows the server's errors on their fields", () => {
    mount(
      <ScheduleHost
        seen={[]}
        initial={create(ScheduleSchema, { schedule: { case: "cron", value: "0 * * * *" } })}
        errors={{ "schedule.cron": "bad cron", "schedule.disabled": "must be true" }}
      />,
    );
    expect(fieldOf(control("Cron expression")).textContent).toContain("bad cron");
    expect(fieldOf(control("Schedule")).textContent).toContain("must be true");
  });
});

describe("HookEditor", () => {
  function Host(props: { seen: Hook[][]; errors?: Record<string, string> }) {
    const [hooks, setHooks] = useState<Hook[]>([]);
    return (
      <HookEditor
        hooks={hooks}
        errors={props.errors}
        onChange={(h) => {
          props.seen.push(h);
          setHooks(h);
        }}
      />
    );
  }

  it("adds a hook, changes its action and conditions, and routes errors", () => {
    const seen: Hook[][] = [];
    mount(<Host seen={seen} errors={{ "hooks[0].actionNtfy.url": "a topic URL is required", "hooks[0].actionNtfy.bogus": "odd" }} />);
    click(button("Add hook"));
    expect(seen.at(-1)?.[0].action.case).toBe("actionCommand");
    type(control("Command"), "echo hi");
    expect(seen.at(-1)?.[0].action).toMatchObject({ case: "actionCommand", value: { command: "echo hi" } });

    choose(control<HTMLSelectElement>("Action"), "actionNtfy");
    expect(seen.at(-1)?.[0].action.case).toBe("actionNtfy");
    expect(fieldOf(control("Topic URL")).textContent).toContain("a topic URL is required");
    expect(screen.container.textContent).toContain("actionNtfy.bogus: odd");

    click(control("Snapshot start"));
    expect(seen.at(-1)?.[0].conditions).toEqual([Hook_Condition.ANY_ERROR, Hook_Condition.SNAPSHOT_START]);
    click(control("Any error"));
    expect(seen.at(-1)?.[0].conditions).toEqual([Hook_Condition.SNAPSHOT_START]);
    expect(screen.container.textContent).toContain(".Plan.Id");

    click(button("Remove hook"));
    expect(seen.at(-1)).toEqual([]);
  });
});

describe("RepoForm", () => {
  it("adds a repository, generating a password", async () => {
    const saved = config();
    vi.mocked(backrest.addRepo).mockResolvedValue(saved);
    const onSaved = vi.fn();
    const onClose = vi.fn();
    mount(<RepoForm onClose={onClose} onSaved={onSaved} />);
    expect(document.querySelector("[role=dialog]")?.getAttribute("aria-label")).toBe("Add repository");
    type(control("Repository name"), "cloud");
    type(control("URI"), "s3:s3.amazonaws.com/bucket");
    expect(screen.container.textContent).toContain("AWS_ACCESS_KEY_ID");
    click(button("Generate"));
    expect(control("Password").value).toMatch(/^[A-Za-z0-9]{48}$/);
    type(control("Environment"), "AWS_SECRET_ACCESS_KEY=y\nAWS_ACCESS_KEY_ID=x");
    click(button("Save"));
    await wait();
    const sent = vi.mocked(backrest.addRepo).mock.calls[0][0].repo;
    expect(sent).toMatchObject({ id: "cloud", uri: "s3:s3.amazonaws.com/bucket", autoInitialize: false, guid: "" });
    expect(sent?.env).toEqual(["AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y"]);
    expect(replace).toHaveBeenCalledWith(saved);
    expect(onSaved).toHaveBeenCalledWith("cloud");
    expect(onClose).toHaveBeenCalled();
  });

  it("checks the form before calling the server", async () => {
    mount(<RepoForm onClose={() => {}} />);
    type(control("Repository name"), "nas");
    type(control("Flags"), "limit-upload=10");
    click(button("Save"));
    await wait();
    expect(backrest.addRepo).not.toHaveBeenCalled();
    expect(fieldOf(control("Repository name")).textContent).toContain("exists already");
    expect(fieldOf(control("URI")).textContent).toContain("A URI is required");
    expect(fieldOf(control("Password")).textContent).toContain("Give a password");
    expect(fieldOf(control("Flags")).textContent).toContain("Line 1:");
  });

  it("maps the server's errors for this repository to fields and the rest to the banner", async () => {
    vi.mocked(backrest.addRepo).mockRejectedValue(
      refusalOf("config is invalid (3 problem(s)):", [
        ["repos[1].prune_policy.schedule.cron", "never fires"],
        ["repo.password", "cannot be restored"],
        ["plans[0].repo", "gone"],
      ]),
    );
    mount(<RepoForm onClose={() => {}} />);
    type(control("Repository name"), "b");
    type(control("URI"), "/srv/b");
    type(control("Password"), "pw");
    click(button("Save"));
    await wait();
    expect(fieldOf(fields("Cron expression")[0]).textContent).toContain("never fires");
    expect(fieldOf(control("Password")).textContent).toContain("cannot be restored");
    const banner = screen.container.ownerDocument.querySelector(".banner-error");
    expect(banner?.textContent).toContain("plans[0].repo: gone");
    expect(banner?.textContent).not.toContain("never fires");
  });

  it("edits a repository, keeping its stored password and guid, and tests the connection", async () => {
    vi.mocked(backrest.checkRepoExists).mockResolvedValue(create(CheckRepoExistsResponseSchema, { exists: true }));
    vi.mocked(backrest.addRepo).mockResolvedValue(config());
    mount(<RepoForm repoId="nas" onClose={() => {}} />);
    expect(document.querySelector("[role=dialog]")?.getAttribute("aria-label")).toBe("Edit repository nas");
    expect(control("Repository name").readOnly).toBe(true);
    click(button("Test connection"));
    await wait();
    expect(screen.container.textContent).toContain("The repository was found");
    click(button("Save"));
    await wait();
    expect(vi.mocked(backrest.addRepo).mock.calls[0][0].repo).toMatchObject({ id: "nas", password: "********", guid: GUID });
  });

  it("sets a rotating read-data check, refusing too few parts before the server sees them", async () => {
    vi.mocked(backrest.addRepo).mockResolvedValue(config());
    mount(<RepoForm repoId="nas" onClose={() => {}} />);
    choose(control<HTMLSelectElement>("Data read by each check"), "rotation");
    expect(control("Parts").value).toBe("12");
    type(control("Parts"), "1");
    click(button("Save"));
    await wait();
    expect(fieldOf(control("Parts")).textContent).toContain("Give a number of parts from 2 to 1000.");
    expect(backrest.addRepo).not.toHaveBeenCalled();
    type(control("Parts"), "6");
    click(button("Save"));
    await wait();
    expect(vi.mocked(backrest.addRepo).mock.calls[0][0].repo?.checkPolicy?.mode).toEqual({ case: "readDataRotation", value: 6 });
  });

  it("schedules a restore verification by a share of the bytes, refusing a share of 0", async () => {
    vi.mocked(backrest.addRepo).mockResolvedValue(config());
    mount(<RepoForm repoId="nas" onClose={() => {}} />);
    choose(control<HTMLSelectElement>("Verify schedule"), "days");
    choose(control<HTMLSelectElement>("Sample"), "bytes");
    type(control("Share of the bytes %"), "0");
    click(button("Save"));
    await wait();
    expect(fieldOf(control("Share of the bytes %")).textContent).toContain("Use a share above 0 and at most 100.");
    expect(backrest.addRepo).not.toHaveBeenCalled();
    type(control("Share of the bytes %"), "2.5");
    const live = [...screen.container.querySelectorAll("label")].find((l) => l.textContent?.includes("Also compare the live file"));
    click(live?.querySelector("input") ?? button("no such checkbox"));
    click(button("Save"));
    await wait();
    expect(vi.mocked(backrest.addRepo).mock.calls[0][0].repo?.verifyPolicy).toMatchObject({
      schedule: { schedule: { case: "maxFrequencyDays", value: 1 } },
      sample: { case: "bytesPercent", value: 2.5 },
      skipLive: true,
    });
  });

  it("reports a new location or an untrusted host key", async () => {
    mount(<RepoForm onClose={() => {}} />);
    type(control("Repository name"), "b");
    type(control("URI"), "sftp:me@host:/srv/b");
    type(control("Password"), "pw");
    vi.mocked(backrest.checkRepoExists).mockResolvedValue(create(CheckRepoExistsResponseSchema, { exists: false }));
    click(button("Test connection"));
    await wait();
    expect(screen.container.textContent).toContain("No repository there yet: saving will create one.");
    vi.mocked(backrest.checkRepoExists).mockResolvedValue(
      create(CheckRepoExistsResponseSchema, { hostKeyUntrusted: true, error: "Host key verification failed." }),
    );
    click(button("Test connection"));
    await wait();
    expect(screen.container.textContent).toContain("host key is not trusted");
  });

  it("sets up an SSH key and adds the matching flag", async () => {
    vi.mocked(backrest.setupSftp).mockResolvedValue({
      $typeName: "v1.SetupSftpResponse",
      publicKey: "ssh-ed25519 AAAA cairn@host",
      keyPath: "/etc/cairn/.cairn-ssh/id_ed25519_host",
      knownHostsPath: "/etc/cairn/.cairn-ssh/known_hosts",
      error: "",
    });
    mount(<RepoForm onClose={() => {}} />);
    type(control("URI"), "sftp:me@host:/srv/b");
    type(control("SSH port"), "2222");
    click(button("Set up SSH key"));
    await wait();
    expect(backrest.setupSftp).toHaveBeenCalledWith({ host: "host", port: "2222", username: "me" });
    expect(control<HTMLTextAreaElement>("Public key").value).toBe("ssh-ed25519 AAAA cairn@host");
    expect(control<HTMLTextAreaElement>("Flags").value).toBe(
      `--option=sftp.args='-oBatchMode=yes -i "/etc/cairn/.cairn-ssh/id_ed25519_host" -p 2222 -oUserKnownHostsFile="/etc/cairn/.cairn-ssh/known_hosts"'`,
    );
  });
});

describe("RepoForm's errors", () => {
  it("hides the errors of a list edited as lines once it changes, and keeps the others", async () => {
    vi.mocked(backrest.addRepo).mockRejectedValue(
      refusalOf("config is invalid:", [
        ["repos[1].env[1]", "is reserved"],
        ["repos[1].flags[0]", "unknown flag"],
      ]),
    );
    mount(<RepoForm onClose={() => {}} />);
    type(control("Repository name"), "b");
    type(control("URI"), "/srv/b");
    type(control("Password"), "pw");
    type(control("Environment"), "A=1\nB=2");
    type(control("Flags"), "--odd");
    click(button("Save"));
    await wait();
    expect(fieldOf(control("Environment")).textContent).toContain("Line 2: is reserved");
    type(control("Flags"), "--odder");
    expect(fieldOf(control("Flags")).textContent).not.toContain("unknown flag");
    expect(fieldOf(control("Environment")).textContent).toContain("Line 2: is reserved");
    type(control("Environment"), "C=3\nA=1\nB=2");
    expect(fieldOf(control("Environment")).textContent).not.toContain("is reserved");
  });
});

describe("PlanForm", () => {
  it("adds a plan with Backrest's defaults", async () => {
    save.mockImplementation((c) => Promise.resolve(c));
    const onSaved = vi.fn();
    mount(<PlanForm onClose={() => {}} onSaved={onSaved} />);
    expect(document.querySelector("[role=dialog]")?.getAttribute("aria-label")).toBe("Add plan");
    type(control("Plan name"), "photos");
    type(control("Path 1"), "/srv/photos");
    click(button("Add path"));
    type(control("Path 2"), "/home/me/pics");
    expect(control<HTMLSelectElement>("Repository").value).toBe("nas");
    expect(control<HTMLSelectElement>("Schedule").value).toBe("cron");
    expect(control("Cron expression").value).toBe("0 * * * *");
    expect(control("Hourly").value).toBe("24");
    expect(control("Daily").value).toBe("30");
    expect(control("Monthly").value).toBe("12");
    click(button("Save"));
    await wait();
    const next = save.mock.calls[0][0];
    expect(next.modno).toBe(3);
    expect(next.plans.map((p) => p.id)).toEqual(["docs", "photos"]);
    expect(next.plans[1]).toMatchObject({ repo: "nas", paths: ["/home/me/pics", "/srv/photos"] });
    expect(onSaved).toHaveBeenCalledWith("photos");
  });

  it("adds a mirror with a retention of its own, offering only the other writable repositories", async () => {
    save.mockImplementation((c) => Promise.resolve(c));
    const c = config();
    c.repos.push(create(RepoSchema, { id: "usb", uri: "/mnt/usb", guid: "b".repeat(64) }));
    c.repos.push(create(RepoSchema, { id: "hubs", uri: "/mnt/hub", guid: "c".repeat(64), originInstanceId: "hub" }));
    mount(<PlanForm planId="docs" onClose={() => {}} />, c);
    click(button("Add a mirror"));
    const group = screen.container.querySelector("[role=group][aria-label='Mirror 1']");
    if (!group) throw new Error("no mirror group");
    const repo = control<HTMLSelectElement>("Mirror repository", group);
    expect([...repo.options].map((o) => o.value)).toEqual(["", "usb"]);
    expect(repo.value).toBe("usb");
    choose(control<HTMLSelectElement>("Retention", group), "last");
    click(button("Save"));
    await wait();
    expect(save.mock.calls[0][0].plans[0].mirrors).toMatchObject([{ repo: "usb", retention: { policy: { case: "policyKeepLastN" } } }]);
  });

  it("maps the server's errors for the plan to its fields", async () => {
    save.mockRejectedValue(
      refusalOf("config is invalid (3 problem(s)):", [
        ["plans[0].schedule.maxFrequencyHours", "must be at least 1"],
        ["plans[0].paths[0]", "is odd"],
        ["plans[0].backup_flags[0]", "bad flag"],
      ]),
    );
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    expect(control("Plan name").readOnly).toBe(true);
    type(control("Backup flags"), "--one-file-system");
    click(button("Save"));
    await wait();
    expect(fieldOf(control("Hours")).textContent).toContain("must be at least 1");
    expect(fieldOf(control("Path 1")).textContent).toContain("is odd");
    expect(fieldOf(control("Backup flags")).textContent).toContain("Line 1: bad flag");
  });

  it("replaces retention by a note when the repository forgets on its own schedule", () => {
    const c = config();
    c.repos[0].forgetPolicy = {
      $typeName: "v1.ForgetPolicy",
      schedule: create(ScheduleSchema, { schedule: { case: "maxFrequencyDays", value: 1 } }),
    };
    mount(<PlanForm planId="docs" onClose={() => {}} />, c);
    expect(fields("Retention")).toHaveLength(0);
    expect(screen.container.ownerDocument.body.textContent).toContain("forgets old snapshots on its own schedule (Every day)");
  });

  it("reloads after a stale save", async () => {
    save.mockRejectedValue(new ConnectError("config modno mismatch, reload and try again", Code.FailedPrecondition));
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    click(button("Save"));
    await wait();
    expect(reload).toHaveBeenCalled();
    expect(screen.container.ownerDocument.body.textContent).toContain("Save again");
  });

  it("deletes a plan from the config only", async () => {
    save.mockImplementation((c) => Promise.resolve(c));
    const onClose = vi.fn();
    mount(<PlanForm planId="docs" onClose={onClose} />);
    click(button("Delete"));
    click(button("Delete plan", document.body));
    await wait();
    expect(save.mock.calls[0][0].plans).toEqual([]);
    expect(onClose).toHaveBeenCalled();
  });

  it("hides a server error once its field is edited, and a list's errors once its rows change", async () => {
    save.mockRejectedValue(
      refusalOf("config is invalid:", [
        ["plans[0].paths[0]", "first is odd"],
        ["plans[0].paths[1]", "second is odd"],
        ["plans[0].backup_flags[0]", "bad flag"],
      ]),
    );
    const c = config();
    c.plans[0].paths = ["/a", "/b"];
    c.plans[0].backupFlags = ["--x"];
    mount(<PlanForm planId="docs" onClose={() => {}} />, c);
    click(button("Save"));
    await wait();
    expect(fieldOf(control("Path 1")).textContent).toContain("first is odd");
    expect(fieldOf(control("Path 2")).textContent).toContain("second is odd");
    expect(fieldOf(control("Backup flags")).textContent).toContain("Line 1: bad flag");

    type(control("Path 2"), "/c");
    expect(fieldOf(control("Path 2")).textContent).not.toContain("second is odd");
    expect(fieldOf(control("Path 1")).textContent).toContain("first is odd");
    // Undone, the error is true again.
    type(control("Path 2"), "/b");
    expect(fieldOf(control("Path 2")).textContent).toContain("second is odd");

    click(button("Add path"));
    expect(fieldOf(control("Path 1")).textContent).not.toContain("first is odd");
    expect(fieldOf(control("Path 2")).textContent).not.toContain("second is odd");

    type(control("Backup flags"), "--x\n--y");
    expect(fieldOf(control("Backup flags")).textContent).not.toContain("bad flag");
    expect(screen.container.ownerDocument.body.textContent).not.toContain("see the marked fields");
  });

  it("asks before Escape discards unsaved changes; the × closes at once", () => {
    const onClose = vi.fn();
    mount(<PlanForm planId="docs" onClose={onClose} />);
    pressEscape();
    expect(onClose).toHaveBeenCalledTimes(1);

    onClose.mockClear();
    mount(<PlanForm planId="docs" onClose={onClose} />);
    type(control("Path 1"), "/elsewhere");
    pressEscape();
    expect(dialogNames()).toEqual(["Edit plan docs", "Unsaved changes"]);
    click(button("Keep", document.body));
    expect(onClose).not.toHaveBeenCalled();
    pressEscape();
    click(button("Discard", document.body));
    expect(onClose).toHaveBeenCalledTimes(1);

    const closeButton = document.querySelector<HTMLButtonElement>('[role=dialog] [aria-label="Close"]');
    act(() => closeButton?.click());
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(dialogNames()).toEqual(["Edit plan docs"]);
  });

  it("previews the runs from the plan's last backup in the server's time zone, and hides the repository's password", async () => {
    const c = config();
    c.repos[0].uri = "rest:https://me:hunter2@backup.example.com/repo";
    c.plans[0].schedule = create(ScheduleSchema, { schedule: { case: "cron", value: "0 3 * * *" }, clock: Schedule_Clock.LOCAL });
    const end = Date.now() - 3_600_000;
    activity.dashboard = create(SummaryDashboardResponseSchema, {
      planSummaries: [{ id: "docs", recentBackups: { timestampMs: [BigInt(end - 60_000)], durationMs: [60_000n] } }],
    });
    mount(<PlanForm planId="docs" onClose={() => {}} />, c);
    await wait();
    const preview = screen.container.ownerDocument.querySelector(".schedule-preview");
    expect(preview?.textContent).toContain("Counted from the last run, in the server's time zone (Asia/Tokyo).");
    const body = screen.container.ownerDocument.body.textContent;
    expect(body).toContain("rest:https://me:***@backup.example.com/repo");
    expect(body).not.toContain("hunter2");
  });
});
