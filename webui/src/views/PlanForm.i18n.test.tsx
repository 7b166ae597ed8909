// The plan form in the pseudo-language: new and edited, every schedule mode with its preview, every
// retention mode, a hook of each action kind, and the errors of its own checks and of a server refusal
// show only catalogue text and data (names, paths, hook settings, the server's own messages).
import { afterEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { refusalOf } from "../api/testing";
import {
  ConfigSchema,
  HookSchema,
  Hook_Condition,
  Hook_OnError,
  Hook_Webhook_Method,
  RetentionPolicySchema,
  ScheduleSchema,
  Schedule_Clock,
  type Config,
} from "@gen/v1/config_pb";
import { SummaryDashboardResponseSchema, type SummaryDashboardResponse } from "@gen/v1/service_pb";
import type { ConfigState } from "../state/config";
import { i18n } from "../i18n";
import { dataStrings, untranslated } from "../i18n/testing";

vi.mock("../api/client", () => ({
  backrest: { pathAutocomplete: vi.fn(() => Promise.resolve({ values: [] })) },
  cairn: { getStatus: vi.fn(() => Promise.resolve({ timeZone: "Asia/Tokyo" })) },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
const activity: { dashboard: SummaryDashboardResponse | null } = { dashboard: null };
vi.mock("../state/activity", () => ({ useActivity: () => activity }));

import { Toasts } from "../components/Toasts";
import { describeRetention } from "../components/RetentionEditor";
import { previewZone } from "../lib/previewZone";
import { cronError, describeSchedule, nextRuns } from "../lib/schedule";
import { PlanForm } from "./PlanForm";
import { translatedScreen } from "../i18n/screen";

const screen = translatedScreen();
const save = vi.fn<(c: Config) => Promise<Config>>();
const reload = vi.fn<() => Promise<Config | null>>();

type HookInit = MessageInitShape<typeof HookSchema>;

const hook = (action: HookInit["action"], extra: HookInit = {}): HookInit =>
  create(HookSchema, { conditions: [Hook_Condition.SNAPSHOT_START, Hook_Condition.ANY_ERROR], action, ...extra });

/** One hook of each action kind, filled in, plus one with no action, no condition and an odd on-error. */
function everyHook(): HookInit[] {
  return [
    hook({ case: "actionCommand", value: { command: "echo done" } }),
    hook({ case: "actionWebhook", value: { webhookUrl: "https://example.net/hook", method: Hook_Webhook_Method.GET, template: "t1" } }),
    hook({ case: "actionDiscord", value: { webhookUrl: "https://discord.example/wh", template: "" } }),
    hook({ case: "actionSlack", value: { webhookUrl: "https://slack.example/wh", template: "" } }),
    hook({ case: "actionGotify", value: { baseUrl: "https://gotify.example.net", token: "tok", titleTemplate: "title", priority: 5 } }),
    hook({ case: "actionShoutrrr", value: { shoutrrrUrl: "ntfy://ntfy.example/x", template: "" } }),
    hook({ case: "actionHealthchecks", value: { webhookUrl: "https://hc.example/ping/abc", template: "" } }),
    hook({ case: "actionTelegram", value: { botToken: "1:AA", chatId: "42", template: "" } }),
    hook({ case: "actionNtfy", value: { url: "https://ntfy.example/topic", token: "", titleTemplate: "", priority: 4 } }),
    hook(
      { case: "actionEmail", value: { smtpUrl: "smtp://mail.example", from: "a@example.net", to: ["b@example.net"], subjectTemplate: "" } },
      { onError: Hook_OnError.RETRY_EXPONENTIAL_BACKOFF },
    ),
    create(HookSchema, { onError: 99 as Hook_OnError }),
  ];
}

function config(): Config {
  return create(ConfigSchema, {
    modno: 3,
    instance: "box",
    repos: [
      { id: "nas", uri: "rest:https://me:hunter2@backup.example.com/repo", guid: "a".repeat(64), password: "********" },
      {
        id: "cloud",
        uri: "/mnt/cloud",
        forgetPolicy: { schedule: { schedule: { case: "maxFrequencyDays", value: 1 } }, retention: {} },
      },
    ],
    plans: [
      {
        id: "docs",
        repo: "nas",
        paths: ["/home/me/docs", "/srv/share"],
        excludes: ["*.bak"],
        iexcludes: ["thumbs.db"],
        backupFlags: ["--one-file-system"],
        skipIfUnchanged: true,
        schedule: { schedule: { case: "maxFrequencyHours", value: 6 } },
        retention: { policy: { case: "policyTimeBucketed", value: { hourly: 24, daily: 7, keepLastN: 3 } } },
        hooks: everyHook(),
      },
      { id: "photos", repo: "cloud", paths: ["/srv/photos"], schedule: { schedule: { case: "cron", value: "0 3 * * *" } } },
      { id: "old", repo: "gone", paths: ["/srv/old"] },
    ],
  });
}

/** The server's messages the tests make it send. */
const SERVER = ["invalid config", "must be at least 1", "is odd", "odd", "repos[0].uri", "elsewhere", "modno 2 is stale"];

function data(c: Config = config()): string[] {
  return dataStrings(
    c.instance,
    c.repos.map((r) => r.id),
    c.plans,
    SERVER,
    "Asia/Tokyo",
  );
}

function render(node: ReactNode) {
  act(() =>
    screen.root.render(
      <>
        {node}
        <Toasts />
      </>,
    ),
  );
}

/** Renders `node` afresh (a form keeps its state across renders of the same root). */
function mount(node: ReactNode, c: Config | null = config()) {
  screen.remount();
  state.current = { config: c, error: null, reload, save, replace: () => undefined };
  render(node);
}

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

/** What the pseudo-language shows for a key of the plans catalogue. */
function tr(key: string, options?: Record<string, unknown>): string {
  return String(i18n.t(`plans:${key}` as never, options as never));
}

function leftover(c?: Config): string[] {
  return untranslated(document.body, data(c));
}

function dialogTitle(): string | null | undefined {
  return document.querySelector("[role=dialog] h2")?.textContent;
}

function fieldControl<T extends Element = HTMLInputElement>(label: string, scope: ParentNode = screen.container): T {
  const l = [...scope.querySelectorAll(".field-label")].find((x) => x.textContent === label);
  const el = l?.closest(".field")?.querySelector("input, select, textarea");
  if (!el) throw new Error(`no field labelled ${label}`);
  return el as unknown as T;
}

function setValue(el: HTMLElement, value: string, event: "input" | "change") {
  const proto = Object.getPrototypeOf(el) as object;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(el, value);
    el.dispatchEvent(new Event(event, { bubbles: true }));
  });
}

const type = (el: HTMLElement, value: string) => setValue(el, value, "input");
const choose = (el: HTMLSelectElement, value: string) => setValue(el, value, "change");

function button(text: string, scope: ParentNode = document): HTMLButtonElement {
  const b = [...scope.querySelectorAll("button")].find((x) => x.textContent === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

const click = (el: HTMLElement) => act(() => el.click());

/** The schedule editor's select, and its description below it. */
const scheduleSelect = () => fieldControl<HTMLSelectElement>(tr("schedule.label"));
const scheduleText = () => screen.container.ownerDocument.querySelector(".schedule-desc")?.textContent ?? "";

afterEach(async () => {
  document.body.innerHTML = "";
  activity.dashboard = null;
});

describe("the plan form, translated", () => {
  it("adds a plan with the defaults: cron schedule, time-bucketed retention, no hook", async () => {
    mount(<PlanForm onClose={() => {}} />);
    await wait();
    expect(dialogTitle()).toBe(tr("planForm.addTitle"));
    expect(screen.container.ownerDocument.querySelectorAll(".form-section h3")).toHaveLength(7);
    expect(document.body.textContent).toContain(tr("hooks.none"));
    expect(document.body.textContent).toContain(tr("planForm.addMirror"));
    expect(document.querySelectorAll(".schedule-preview li")).toHaveLength(5);
    expect(leftover()).toEqual([]);
  });

  it("edits a plan with every kind of hook, its conditions and the template help", async () => {
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    await wait();
    expect(dialogTitle()).toBe(tr("planForm.editTitle", { id: "docs" }));
    expect(document.querySelectorAll("fieldset.hook-item")).toHaveLength(11);
    expect(document.body.textContent).toContain(tr("hooks.conditions.none"));
    expect(document.body.textContent).toContain(tr("hooks.fields.chooseAction"));
    expect(document.body.textContent).toContain(tr("hooks.onError.unknown", { value: 99 }));
    expect(document.querySelector(".template-help details")?.textContent).toContain(".FormatSizeBytes");
    expect(leftover()).toEqual([]);

    // Each on-error choice shows its own hint.
    const onError = fieldControl<HTMLSelectElement>(tr("hooks.onError.label"), document.querySelector("fieldset.hook-item") ?? document);
    for (const o of [...onError.options].map((x) => x.value)) {
      choose(onError, o);
      expect(leftover()).toEqual([]);
    }
  });

  it("shows every schedule mode with its description and preview", async () => {
    activity.dashboard = create(SummaryDashboardResponseSchema, {
      planSummaries: [{ id: "docs", recentBackups: { timestampMs: [BigInt(Date.now() - 3_600_000)], durationMs: [60_000n] } }],
    });
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    await wait();
    expect(document.querySelector(".schedule-preview .field-hint")?.textContent).toBe(
      tr("preview.fromLastRun", { where: tr("zone.server", { zone: "Asia/Tokyo" }) }),
    );
    expect(leftover()).toEqual([]);

    for (const kind of ["disabled", "hours", "days", "cron"]) {
      choose(scheduleSelect(), kind);
      expect(scheduleText()).not.toBe("");
      expect(leftover()).toEqual([]);
    }

    // cronstrue describes cron in Chinese, the pseudo-language's language.
    type(fieldControl(tr("schedule.cronExpression")), "30 2 * * 1-5");
    expect(scheduleText()).toContain("星期一");
    for (const clock of [Schedule_Clock.UTC, Schedule_Clock.LAST_RUN_TIME, Schedule_Clock.LOCAL]) {
      choose(fieldControl<HTMLSelectElement>(tr("schedule.clock")), String(clock));
      expect(leftover()).toEqual([]);
    }
    for (const preset of ["hourly", "daily", "weekly", "monthly"]) {
      click(button(tr(`schedule.presets.${preset}`)));
      expect(leftover()).toEqual([]);
    }
  });

  it("explains a cron expression it cannot preview or that is wrong", async () => {
    mount(<PlanForm planId="photos" onClose={() => {}} />);
    await wait();
    const cron = fieldControl(tr("schedule.cronExpression"));
    const exprs = ["0 3 * * 7", "* * *", "", "0 0 31 2 *"];
    for (const expr of exprs) {
      type(cron, expr);
      expect(cron.closest(".field")?.querySelector("[role=alert]")).not.toBeNull();
      expect(document.body.textContent).toContain(tr("preview.waitingForCron"));
      expect(untranslated(document.body, [...data(), ...exprs.filter(Boolean)])).toEqual([]);
    }
    // Backrest's form with a year: no error, no preview, a note.
    type(cron, "0 0 * * * 2030");
    expect(document.body.textContent).toContain(tr("cron.longForm"));
    expect(untranslated(document.body, [...data(), "0 0 * * * 2030"])).toEqual([]);
  });

  it("shows every retention mode, and the note when the repository forgets on its own", async () => {
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    await wait();
    const mode = fieldControl<HTMLSelectElement>(tr("retention.label"));
    for (const m of ["last", "all", "time"]) {
      choose(mode, m);
      expect(leftover()).toEqual([]);
    }
    for (const b of ["hourly", "daily", "weekly", "monthly", "yearly", "keepLastN"]) type(fieldControl(tr(`retention.buckets.${b}`)), "0");
    expect(document.body.textContent).toContain(tr("retention.allZeroWarning"));
    expect(leftover()).toEqual([]);

    const c = config();
    c.plans[0].retention = create(RetentionPolicySchema, {});
    mount(<PlanForm planId="docs" onClose={() => {}} />, c);
    expect(fieldControl<HTMLSelectElement>(tr("retention.label")).value).toBe("unset");
    expect(leftover(c)).toEqual([]);

    mount(<PlanForm planId="photos" onClose={() => {}} />);
    expect(document.body.textContent).toContain(tr("planForm.repoForgets", { id: "cloud", schedule: tr("describe.everyDay") }));
    expect(leftover()).toEqual([]);
  });

  it("shows its own checks' errors, with no repository yet", async () => {
    const empty = create(ConfigSchema, { modno: 1 });
    mount(<PlanForm onClose={() => {}} />, empty);
    expect(document.body.textContent).toContain(tr("planForm.noRepository"));
    click(button(i18n.t("save")));
    await wait();
    expect(document.body.textContent).toContain(tr("planForm.errors.repo"));
    expect(document.body.textContent).toContain(tr("planForm.errors.paths"));
    expect(leftover(empty)).toEqual([]);

    type(fieldControl(tr("planForm.backupFlags")), "no-dash");
    click(button(i18n.t("save")));
    await wait();
    expect(fieldControl(tr("planForm.backupFlags")).closest(".field")?.querySelector("[role=alert]")).not.toBeNull();
    expect(untranslated(document.body, [...data(empty), "no-dash"])).toEqual([]);
    expect(save).not.toHaveBeenCalled();
  });

  it("shows a plan whose repository is gone", async () => {
    mount(<PlanForm planId="old" onClose={() => {}} />);
    await wait();
    expect(fieldControl<HTMLSelectElement>(tr("planForm.repository")).selectedOptions[0]?.textContent).toBe(
      tr("planForm.repositoryMissing", { id: "gone" }),
    );
    expect(leftover()).toEqual([]);
  });

  it("maps a server refusal to the fields, the hook and the banner", async () => {
    save.mockRejectedValue(
      refusalOf("invalid config", [
        ["plans[0].schedule.maxFrequencyHours", "must be at least 1"],
        ["plans[0].paths[0]", "is odd"],
        ["plans[0].hooks[0].actionCommand.bogus", "odd"],
        ["repos[0].uri", "elsewhere"],
      ]),
    );
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    await wait();
    click(button(i18n.t("save")));
    await wait();
    expect(save).toHaveBeenCalledTimes(1);
    expect(document.querySelector("fieldset.hook-item [role=alert]")?.textContent).toContain("odd");
    expect(document.querySelector(".banner-error")?.textContent).toContain("elsewhere");
    expect(leftover()).toEqual([]);
  });

  it("reloads on a stale save, and confirms, deletes and says so", async () => {
    save.mockRejectedValueOnce(new ConnectError("modno 2 is stale", Code.FailedPrecondition));
    reload.mockResolvedValue(config());
    mount(<PlanForm planId="docs" onClose={() => {}} />);
    await wait();
    click(button(i18n.t("save")));
    await wait();
    expect(document.body.textContent).toContain(tr("planForm.stale"));
    expect(leftover()).toEqual([]);

    save.mockImplementation((c) => Promise.resolve(c));
    click(button(i18n.t("delete")));
    expect(document.body.textContent).toContain(tr("planForm.deleteMessage"));
    expect(leftover()).toEqual([]);
    click(button(tr("planForm.deleteConfirm")));
    await wait();
    expect(document.body.textContent).toContain(tr("planForm.deleted", { id: "docs" }));
    expect(leftover()).toEqual([]);
  });

  it("words schedules, cron errors, retention and time zones in the language shown", () => {
    const cron = (value: string, clock = Schedule_Clock.LOCAL) => create(ScheduleSchema, { schedule: { case: "cron", value }, clock });
    const hours = (value: number) => create(ScheduleSchema, { schedule: { case: "maxFrequencyHours", value } });
    const runs = nextRuns(hours(0), 3, null, Date.now());
    const texts = [
      describeSchedule(undefined),
      describeSchedule(hours(1)),
      describeSchedule(cron("0 3 * * *", Schedule_Clock.UTC)),
      describeSchedule(cron("0 4 * * * 2030")),
      describeSchedule(cron("0 3 * * 7")),
      cronError("0 0 * * 7"),
      cronError("1 2 3"),
      cronError("0 0 31 2 *"),
      Array.isArray(runs) ? "" : "error" in runs ? runs.error : runs.note,
      describeRetention(undefined),
      describeRetention(create(RetentionPolicySchema, { policy: { case: "policyKeepLastN", value: 1 } })),
      describeRetention(create(RetentionPolicySchema, { policy: { case: "policyKeepAll", value: true } })),
      describeRetention(create(RetentionPolicySchema, { policy: { case: "policyTimeBucketed", value: {} } })),
      previewZone(Schedule_Clock.UTC, "Asia/Tokyo").text,
      previewZone(Schedule_Clock.LOCAL, null, "Europe/Paris").text,
      previewZone(Schedule_Clock.LOCAL, "Mars/Olympus", "Europe/Paris").text,
      previewZone(Schedule_Clock.LOCAL, undefined, "Europe/Paris").text,
    ];
    render(
      <ul>
        {texts.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>,
    );
    expect(screen.container.querySelectorAll("li")).toHaveLength(texts.length);
    const exprs = ["0 4 * * * 2030", "0 3 * * 7", "0 0 * * 7", "1 2 3", "0 0 31 2 *"];
    expect(untranslated(screen.container, [...exprs, "Europe/Paris", "Mars/Olympus"])).toEqual([]);
  });
});
