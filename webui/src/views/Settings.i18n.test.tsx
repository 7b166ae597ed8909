// The settings page in the pseudo-language: every state of every card, dialog and bar shows only catalogue
// text and data (names, paths, tokens, the server's own messages).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { refusalOf } from "../api/testing";
import { ConfigSchema, type Config } from "@gen/v1/config_pb";
import { StatusSchema, TwoFactorEnrollmentSchema, TwoFactorRecoveryCodesSchema, TwoFactorStateSchema } from "@gen/cairn/v1/cairn_pb";
import type { ConfigState } from "../state/config";
import { i18n } from "../i18n";
import { dataStrings, untranslated } from "../i18n/testing";

vi.mock("../api/client", () => ({
  authentication: { hashPassword: vi.fn() },
  cairn: {
    getStatus: vi.fn(),
    createApiToken: vi.fn(),
    revokeApiToken: vi.fn(),
    getTwoFactor: vi.fn(),
    startTwoFactor: vi.fn(),
    confirmTwoFactor: vi.fn(),
    disableTwoFactor: vi.fn(),
    resetTwoFactor: vi.fn(),
  },
}));
// jsdom has no canvas to draw the QR code on.
vi.mock("qrcode", () => ({ default: { toDataURL: vi.fn(() => Promise.resolve("data:image/png;base64,iVBORw0KGgo=")) } }));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
import { authentication, cairn } from "../api/client";
import { Toasts } from "../components/Toasts";
import { SettingsView } from "./Settings";
import { translatedScreen } from "../i18n/screen";
import { typeInto as type, findButton as button, findDialog as dialog } from "../testing/dom";

const screen = translatedScreen();
const save = vi.fn<(c: Config) => Promise<Config>>();
const reload = vi.fn<() => Promise<Config | null>>();
const NOW = Date.now();
const DAY = 86_400_000;

const STATUS = create(StatusSchema, {
  version: "1.2.3-dev",
  configPath: "/etc/cairn/config.json",
  dataPath: "/var/lib/cairn",
  timeZone: "Europe/Paris",
});

/** The examples and protocol names the fields' placeholders show as they are. */
const EXAMPLES = [
  "my-server",
  "https://auth.example.com/realms/home",
  `${window.location.origin}/auth/oidc/callback`,
  "preferred_username",
  "groups",
  "profile",
  "backup-admins",
  "example.com",
];

/** The server's messages the tests make it send. */
const SERVER = [
  "permission denied reading config.json",
  "status unavailable",
  "hashing failed on the server",
  "token store is read-only",
  "two-factor is unavailable for proxy users",
  "enrolment expired",
  "invalid code",
  "code already used",
  "99 is out of range",
  "repos[0].uri: is empty",
];

function fullConfig(): Config {
  return create(ConfigSchema, {
    modno: 5,
    instance: "box",
    auth: {
      users: [
        { name: "admin", password: { case: "passwordBcrypt", value: "********" }, twoFactor: true },
        { name: "operator", password: { case: "passwordBcrypt", value: "JDJiJDEyJGhhc2g=" } },
        { name: "viewer" },
      ],
      oidc: {
        issuer: "https://id.example.org/realms/home",
        clientId: "cairn-web",
        clientSecret: "********",
        scopes: ["profile", "groups"],
        buttonLabel: "Sign in with Example ID",
        allowedGroups: ["admins"],
        allowedDomains: ["example.org"],
        autoCreateUsers: true,
      },
    },
    cairn: {
      maxParallelTasks: 3,
      hookTimeoutSeconds: 600,
      sealSecrets: true,
      historyLimits: [
        { kind: "default", maxAgeDays: 30, keepMin: 1, keepMax: 100 },
        { kind: "run_command", maxAgeDays: 7, keepMin: 1, keepMax: 20 },
        { kind: "mystery_kind", maxAgeDays: 9, keepMin: 1, keepMax: 9 },
      ],
      apiTokens: [
        { id: "tk_1", label: "nightly", user: "admin", createdMs: BigInt(NOW - DAY), expiresMs: 0n },
        { id: "tk_2", label: "", user: "operator", createdMs: BigInt(NOW - 9 * DAY), expiresMs: BigInt(NOW - DAY) },
        { id: "tk_3", label: "ci", user: "", createdMs: 0n, expiresMs: BigInt(NOW + 30 * DAY) },
      ],
    },
  });
}

/** A config with nothing in it yet: no instance, no user, no token, no limit. */
function emptyConfig(disabled = false): Config {
  return create(ConfigSchema, { modno: 1, auth: { disabled } });
}

/** Everything the tests put in that the page may show as data. */
function data(c: Config = fullConfig()): string[] {
  return dataStrings(c.instance, c.auth, c.cairn?.apiTokens, STATUS, EXAMPLES, SERVER);
}

function render(node: ReactNode = <SettingsView />) {
  act(() =>
    screen.root.render(
      <>
        {node}
        <Toasts />
      </>,
    ),
  );
}

function mount(c: Config | null, error: string | null = null) {
  state.current = { config: c, error, reload, save, replace: () => undefined };
  render();
}

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

/** What the language shown now (the pseudo-language) says for a key of this page. */
const tr = i18n.getFixedT(null, "settings");

function fieldControl<T extends Element = HTMLInputElement>(label: string, scope: ParentNode = screen.container): T {
  const l = [...scope.querySelectorAll(".field-label")].find((x) => x.textContent === label);
  const field = l?.closest(".field");
  const el = field?.querySelector("input, select, textarea");
  if (!el) throw new Error(`no field labelled ${label}`);
  return el as unknown as T;
}

/** The visible English left on the page (and its dialogs), once the data is taken out. */
function leftover(c?: Config): string[] {
  return untranslated(document.body, data(c));
}

function heading(): string | null | undefined {
  return screen.container.querySelector("h1")?.textContent;
}

function submit(form: Element | null | undefined) {
  if (!(form instanceof HTMLFormElement)) throw new Error("no form");
  act(() => form.requestSubmit());
}

beforeEach(async () => {
  vi.mocked(cairn.getStatus).mockResolvedValue(STATUS);
  vi.mocked(cairn.getTwoFactor).mockResolvedValue(create(TwoFactorStateSchema, { enabled: false }));
});
describe("the settings page, translated", () => {
  it("while loading and when the config could not be loaded", () => {
    mount(null);
    expect(heading()).toBe(tr("page.title"));
    expect(screen.container.textContent).toContain(i18n.t("loading"));
    expect(leftover()).toEqual([]);

    mount(null, "permission denied reading config.json");
    expect(screen.container.querySelector('[role="alert"]')?.textContent).toBe("permission denied reading config.json");
    expect(leftover()).toEqual([]);
  });

  it("with every card holding data", async () => {
    mount(fullConfig());
    await wait();
    expect(heading()).toBe(tr("page.title"));
    const titles = [...screen.container.querySelectorAll("h2")].map((h) => h.textContent);
    expect(titles).toContain(tr("page.sections.language"));
    expect(titles).toContain(tr("page.sections.singleSignOn"));
    expect(titles).toContain(tr("page.sections.apiTokens"));
    expect(screen.container.textContent).toContain("/etc/cairn/config.json");
    expect(screen.container.querySelectorAll("fieldset.limit-row")).toHaveLength(3);
    expect(screen.container.querySelectorAll('[aria-label="' + tr("tokens.list") + '"] li')).toHaveLength(3);
    expect(screen.container.textContent).toContain(tr("users.withTwoFactor", { password: tr("users.password.stored") }));
    expect(screen.container.textContent).toContain(tr("tokens.noLabel"));
    expect(leftover()).toEqual([]);
  });

  it("with an empty config, authentication on and then off", async () => {
    mount(emptyConfig());
    await wait();
    expect(screen.container.textContent).toContain(tr("auth.noUser"));
    expect(screen.container.textContent).toContain(tr("users.none"));
    expect(screen.container.textContent).toContain(tr("tokens.none"));
    expect(screen.container.textContent).toContain(tr("history.none"));
    expect(fieldControl(tr("instance.label")).placeholder).toContain("my-server");
    expect(leftover(emptyConfig())).toEqual([]);

    mount(emptyConfig(true));
    await wait();
    expect(screen.container.querySelector(".banner-error strong")?.textContent).toBeTruthy();
    expect(leftover(emptyConfig(true))).toEqual([]);
  });

  it("when the server's facts are missing or cannot be read", async () => {
    vi.mocked(cairn.getStatus).mockResolvedValue(create(StatusSchema, {}));
    mount(fullConfig());
    await wait();
    expect(screen.container.textContent).toContain(tr("server.unknown"));
    expect(screen.container.textContent).toContain(tr("server.notReported"));
    expect(leftover()).toEqual([]);

    screen.remount();
    vi.mocked(cairn.getStatus).mockRejectedValue(new ConnectError("status unavailable", Code.Unavailable));
    mount(fullConfig());
    await wait();
    expect(screen.container.textContent).toContain("status unavailable");
    expect(leftover()).toEqual([]);
  });

  it("with the last user locked, and with the user dialogs and confirmations open", async () => {
    const one = create(ConfigSchema, {
      modno: 2,
      auth: { users: [{ name: "admin", password: { case: "passwordBcrypt", value: "********" } }] },
    });
    mount(one);
    await wait();
    expect(button(i18n.t("remove"), screen.container).disabled).toBe(true);
    expect(button(i18n.t("remove"), screen.container).title).toBe(tr("users.lastUser"));
    expect(leftover(one)).toEqual([]);

    mount(fullConfig());
    await wait();
    act(() => button(tr("users.add")).click());
    const add = dialog(tr("addUser.title"));
    act(() => button(i18n.t("add"), add).click());
    expect(add.querySelector('[role="alert"]')).not.toBeNull();
    expect(leftover()).toEqual([]);

    vi.mocked(authentication.hashPassword).mockRejectedValue(new ConnectError("hashing failed on the server", Code.Internal));
    type(fieldControl(tr("addUser.name"), add), "newcomer");
    type(fieldControl(tr("addUser.password"), add), "long password");
    act(() => button(i18n.t("add"), add).click());
    await wait();
    expect(add.textContent).toContain("hashing failed on the server");
    expect(untranslated(document.body, [...data(), "newcomer"])).toEqual([]);
    act(() => window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" })));
    expect(document.querySelectorAll('[role="dialog"]')).toHaveLength(2);
    expect(leftover()).toEqual([]);
    act(() => button(i18n.t("discard"), document).click());

    act(() => button(tr("users.changePassword")).click());
    const change = dialog(tr("changePassword.title", { name: "admin" }));
    type(fieldControl(tr("changePassword.password"), change), "long password");
    type(fieldControl(tr("changePassword.confirm"), change), "other password");
    expect(change.textContent).toContain(tr("changePassword.mismatch"));
    expect(leftover()).toEqual([]);
    act(() => button(i18n.t("cancel"), change).click());

    act(() => button(tr("users.resetTwoFactor")).click());
    expect(dialog(tr("users.resetConfirm.title")).textContent).toContain("admin");
    expect(leftover()).toEqual([]);
    vi.mocked(cairn.resetTwoFactor).mockResolvedValue({} as never);
    act(() => button(tr("users.resetConfirm.confirm")).click());
    await wait();
    expect(screen.container.textContent).toContain(tr("users.twoFactorReset", { name: "admin" }));
    expect(leftover()).toEqual([]);

    const removes = [...screen.container.querySelectorAll<HTMLButtonElement>(".item-actions button")].filter(
      (b) => b.textContent === i18n.t("remove"),
    );
    act(() => removes[2].click());
    expect(dialog(tr("users.removeConfirm.title")).textContent).toContain("viewer");
    expect(leftover()).toEqual([]);
  });

  it("with the API token dialogs: a client-side error, a refusal, the token shown once, a revocation", async () => {
    mount(fullConfig());
    await wait();
    act(() => button(tr("tokens.create")).click());
    const create1 = dialog(tr("createToken.title"));
    type(fieldControl(tr("createToken.days"), create1), "-1");
    // Submitted past the browser's own check of min=0, which would stop it before the page's.
    act(() => create1.querySelector("form")?.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true })));
    expect(create1.textContent).toContain(tr("createToken.negative"));
    expect(leftover()).toEqual([]);

    vi.mocked(cairn.createApiToken).mockRejectedValueOnce(new ConnectError("token store is read-only", Code.FailedPrecondition));
    type(fieldControl(tr("createToken.days"), create1), "30");
    act(() => button(i18n.t("create"), create1).click());
    await wait();
    expect(create1.textContent).toContain("token store is read-only");
    expect(leftover()).toEqual([]);

    vi.mocked(cairn.createApiToken).mockResolvedValue({ token: "cairn_abc_secret" } as never);
    reload.mockResolvedValue(null);
    act(() => button(i18n.t("create"), create1).click());
    await wait();
    const shown = dialog(tr("createToken.createdTitle"));
    expect(fieldControl(tr("createToken.token"), shown).value).toBe("cairn_abc_secret");
    expect(leftover()).toEqual([]);
    act(() => shown.querySelector<HTMLButtonElement>(".modal-head button")?.click());
    expect(dialog(tr("createToken.guard.title"))).toBeDefined();
    expect(leftover()).toEqual([]);
    act(() => button(tr("createToken.guard.confirm")).click());

    act(() => button(tr("tokens.revoke")).click());
    const revoke = dialog(tr("tokens.revokeConfirm.title"));
    expect(revoke.textContent).toContain("nightly");
    expect(leftover()).toEqual([]);
    vi.mocked(cairn.revokeApiToken).mockResolvedValue({} as never);
    act(() => button(tr("tokens.revoke"), revoke).click());
    await wait();
    expect(screen.container.textContent).toContain(tr("tokens.revoked", { name: "nightly" }));
    expect(leftover()).toEqual([]);
  });

  it("with two-factor authentication unavailable, off, being set up, just turned on, and on", async () => {
    vi.mocked(cairn.getTwoFactor).mockRejectedValueOnce(new ConnectError("two-factor is unavailable for proxy users", Code.Unimplemented));
    mount(fullConfig());
    await wait();
    expect(screen.container.textContent).toContain("two-factor is unavailable for proxy users");
    expect(leftover()).toEqual([]);
    screen.remount();

    mount(fullConfig());
    await wait();
    expect(screen.container.textContent).toContain(tr("twoFactor.intro"));
    expect(leftover()).toEqual([]);

    vi.mocked(cairn.startTwoFactor).mockRejectedValueOnce(new ConnectError("enrolment expired", Code.FailedPrecondition));
    act(() => button(tr("twoFactor.setUp")).click());
    await wait();
    expect(screen.container.textContent).toContain("enrolment expired");
    expect(leftover()).toEqual([]);

    const enrolment = create(TwoFactorEnrollmentSchema, {
      secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      otpauthUrl: "otpauth://totp/cairn:admin?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    });
    vi.mocked(cairn.startTwoFactor).mockResolvedValue(enrolment);
    act(() => button(tr("twoFactor.setUp")).click());
    await wait();
    expect(screen.container.querySelector("img")?.getAttribute("alt")).toBe(tr("twoFactor.qrAlt"));
    expect(screen.container.querySelector('[data-testid="totp-secret"]')?.textContent).toBe(enrolment.secret);
    expect(untranslated(document.body, [...data(), enrolment.secret])).toEqual([]);

    vi.mocked(cairn.confirmTwoFactor).mockRejectedValueOnce(new ConnectError("invalid code", Code.InvalidArgument));
    type(fieldControl(tr("twoFactor.code")), "123456");
    submit(screen.container.querySelector(`form[aria-label="${tr("twoFactor.enrolment")}"]`));
    await wait();
    expect(screen.container.textContent).toContain("invalid code");
    expect(untranslated(document.body, [...data(), enrolment.secret])).toEqual([]);

    const codes = ["abcd-efgh", "ijkl-mnop", "qrst-uvwx"];
    vi.mocked(cairn.confirmTwoFactor).mockResolvedValue(create(TwoFactorRecoveryCodesSchema, { codes }));
    submit(screen.container.querySelector(`form[aria-label="${tr("twoFactor.enrolment")}"]`));
    await wait();
    expect(screen.container.querySelectorAll(`[aria-label="${tr("twoFactor.recoveryCodes")}"] li`)).toHaveLength(3);
    expect(leftover()).toEqual([]);

    vi.mocked(cairn.getTwoFactor).mockResolvedValue(create(TwoFactorStateSchema, { enabled: true, recoveryCodesLeft: 3 }));
    act(() => button(tr("done")).click());
    await wait();
    expect(screen.container.textContent).toContain(tr("twoFactor.codesLeft", { count: 3 }));
    vi.mocked(cairn.disableTwoFactor).mockRejectedValueOnce(new ConnectError("code already used", Code.InvalidArgument));
    type(fieldControl(tr("twoFactor.currentCode")), "654321");
    submit(screen.container.querySelector(`form[aria-label="${tr("twoFactor.turnOffLabel")}"]`));
    await wait();
    expect(screen.container.textContent).toContain("code already used");
    expect(leftover()).toEqual([]);

    vi.mocked(cairn.disableTwoFactor).mockResolvedValue({} as never);
    vi.mocked(cairn.getTwoFactor).mockResolvedValue(create(TwoFactorStateSchema, { enabled: true, recoveryCodesLeft: 1 }));
    submit(screen.container.querySelector(`form[aria-label="${tr("twoFactor.turnOffLabel")}"]`));
    await wait();
    expect(screen.container.textContent).toContain(tr("twoFactor.codesLeft", { count: 1 }));
    expect(screen.container.textContent).toContain(tr("twoFactor.turnedOff"));
    expect(leftover()).toEqual([]);
  });

  it("with the save bar's states: unsaved, saving, refused, conflicting, saved, and the question on leaving", async () => {
    window.location.hash = "#/settings";
    await wait();
    mount(fullConfig());
    await wait();
    type(fieldControl(tr("limits.parallel")), "99");
    expect(screen.container.querySelector('.savebar [role="status"]')?.textContent).toBe(tr("saveBar.unsaved"));
    expect(leftover()).toEqual([]);

    let refuse: (e: unknown) => void = () => undefined;
    save.mockImplementationOnce(() => new Promise((_, reject) => (refuse = reject)));
    act(() => button(i18n.t("save")).click());
    expect(screen.container.querySelector('.savebar [role="status"]')?.textContent).toBe(i18n.t("saving"));
    expect(leftover()).toEqual([]);
    await act(async () => refuse(refusalOf("config is invalid", [["cairn.max_parallel_tasks", "99 is out of range"]])));
    expect(screen.container.textContent).toContain(tr("saveBar.refusedFields"));
    expect(screen.container.textContent).toContain("99 is out of range");
    expect(leftover()).toEqual([]);

    save.mockRejectedValueOnce(refusalOf("config is invalid", [["repos[0].uri", "is empty"]]));
    act(() => button(i18n.t("save")).click());
    await wait();
    expect(screen.container.textContent).toContain(tr("saveBar.refused"));
    expect(screen.container.textContent).toContain("repos[0].uri: is empty");
    expect(leftover()).toEqual([]);

    save.mockRejectedValueOnce(new ConnectError("config modno mismatch, reload and try again", Code.FailedPrecondition));
    act(() => button(i18n.t("save")).click());
    await wait();
    expect(button(i18n.t("reload"), screen.container)).toBeDefined();
    expect(leftover()).toEqual([]);

    window.location.hash = "#/plan/docs";
    await wait();
    expect(dialog(tr("page.leave.title")).textContent).toContain(tr("page.leave.message"));
    expect(leftover()).toEqual([]);
    act(() => button(i18n.t("discard"), dialog(tr("page.leave.title"))).click());

    save.mockImplementationOnce(async (c) => create(ConfigSchema, { ...c, modno: 6 }));
    type(fieldControl(tr("limits.hookTimeout")), "60");
    act(() => button(i18n.t("save")).click());
    await wait();
    expect(screen.container.querySelector('.savebar [role="status"]')?.textContent).toBe(tr("saveBar.clean"));
    expect(screen.container.textContent).toContain(tr("page.saved"));
    expect(leftover()).toEqual([]);
  });
});
