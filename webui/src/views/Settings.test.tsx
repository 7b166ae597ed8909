import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { refusalOf } from "../api/testing";
import { CairnSettingsSchema, ConfigSchema, type Config } from "@gen/v1/config_pb";
import { StatusSchema } from "@gen/cairn/v1/cairn_pb";
import type { ConfigState } from "../state/config";

vi.mock("../api/client", () => ({
  authentication: { hashPassword: vi.fn() },
  cairn: { getStatus: vi.fn(), createApiToken: vi.fn(), revokeApiToken: vi.fn() },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({
  useConfig: () => state.current,
}));
import { authentication, cairn } from "../api/client";
import { SettingsView } from "./Settings";
import { typeInto as type, findDialog as dialog } from "../testing/dom";
import { renderedScreen } from "../testing/screen";

type Init = { modno?: number; instance?: string; cairn?: MessageInitShape<typeof CairnSettingsSchema> };

const screen = renderedScreen();
const save = vi.fn<(c: Config) => Promise<Config>>();
const reload = vi.fn<() => Promise<Config | null>>();

function config(init: Init = {}): Config {
  return create(ConfigSchema, {
    modno: 5,
    instance: "box",
    auth: { users: [{ name: "admin", password: { case: "passwordBcrypt", value: "********" } }] },
    ...init,
  });
}

function mount(c: Config) {
  state.current = { config: c, error: null, reload, save, replace: () => {} };
  act(() => screen.root.render(<SettingsView />));
}

const wait = (ms = 20) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

function control<T extends HTMLElement = HTMLInputElement>(label: string, scope: ParentNode = screen.container): T {
  const l = [...scope.querySelectorAll("label")].find(
    (x) => (x.classList.contains("field-label") ? x.textContent : x.querySelector(".field-label")?.textContent) === label,
  );
  const el = l?.control ?? l?.querySelector("input, select, textarea");
  if (!el) throw new Error(`no field labelled ${label}`);
  return el as T;
}

function button(text: string, scope: ParentNode = screen.container): HTMLButtonElement {
  const b = [...scope.querySelectorAll("button")].find((x) => x.textContent === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function closeButton(scope: ParentNode): HTMLButtonElement {
  const b = scope.querySelector<HTMLButtonElement>('button[aria-label="Close"]');
  if (!b) throw new Error("no Close button");
  return b;
}

beforeEach(() => {
  vi.mocked(cairn.getStatus).mockResolvedValue(
    create(StatusSchema, { version: "1.2.3", configPath: "/etc/cairn/config.json", dataPath: "/var/lib/cairn" }),
  );
});
afterEach(() => {
  vi.clearAllMocks();
});

describe("SettingsView", () => {
  it("shows the server's facts and a set instance id read-only", async () => {
    mount(config());
    await wait();
    expect(screen.container.querySelector("h1")?.textContent).toBe("Settings");
    expect(screen.container.textContent).toContain("1.2.3");
    expect(screen.container.textContent).toContain("/etc/cairn/config.json");
    expect(screen.container.textContent).toContain("/var/lib/cairn");
    expect(control("Instance ID").readOnly).toBe(true);
    expect(button("Save").disabled).toBe(true);
  });

  it("adds a user with a hashed password and saves it in the bcrypt field", async () => {
    vi.mocked(authentication.hashPassword).mockResolvedValue({ value: "JDJiJDEyJGhhc2g=" } as never);
    save.mockImplementation(async (c) => create(ConfigSchema, { ...c, modno: 6 }));
    mount(config());
    act(() => button("Add user").click());
    const dialog = screen.container.querySelector('[role="dialog"]') as HTMLElement;
    type(control("User name", dialog), "backup");
    type(control("Password", dialog), "long password");
    act(() => button("Add", dialog).click());
    await wait();
    expect(authentication.hashPassword).toHaveBeenCalledWith({ value: "long password" });
    expect(screen.container.querySelector('[role="dialog"]')).toBeNull();
    expect(screen.container.textContent).toContain("backup");
    act(() => button("Save").click());
    await wait();
    const sent = save.mock.calls[0][0];
    expect(sent.modno).toBe(5);
    expect(sent.auth?.users.map((u) => [u.name, u.password.case, u.password.value])).toEqual([
      ["admin", "passwordBcrypt", "********"],
      ["backup", "passwordBcrypt", "JDJiJDEyJGhhc2g="],
    ]);
  });

  it("refuses to remove the last user while authentication is on", async () => {
    mount(config());
    await wait();
    expect(button("Remove").disabled).toBe(true);
    act(() => control("Disable authentication").click());
    expect(button("Remove").disabled).toBe(false);
    expect(screen.container.textContent).toContain("Authentication is off.");
  });

  it("shows the server's field errors beside the fields and the rest in a banner", async () => {
    save.mockRejectedValue(
      refusalOf("config is invalid (2 problem(s)):", [
        ["cairn.max_parallel_tasks", "99 is out of range"],
        ["repos[0].uri", "is empty"],
      ]),
    );
    mount(config());
    type(control("Parallel tasks"), "99");
    act(() => button("Save").click());
    await wait();
    const field = control("Parallel tasks").closest(".field");
    expect(field?.querySelector('[role="alert"]')?.textContent).toBe("99 is out of range");
    expect(screen.container.textContent).toContain("repos[0].uri: is empty");
  });

  it("edits history limits and sends them", async () => {
    save.mockImplementation(async (c) => c);
    mount(config());
    act(() => button("Add limit").click());
    const row = screen.container.querySelector("fieldset.limit-row") as HTMLElement;
    expect(control<HTMLSelectElement>("Kind", row).value).toBe("default");
    type(control("Keep max", row), "50");
    act(() => button("Save").click());
    await wait();
    const l = save.mock.calls[0][0].cairn?.historyLimits[0];
    expect([l?.kind, l?.maxAgeDays, l?.keepMin, l?.keepMax]).toEqual(["default", 30, 1, 50]);
  });

  it("asks to reload when the config changed elsewhere", async () => {
    save.mockRejectedValue(new ConnectError("config modno mismatch, reload and try again", Code.FailedPrecondition));
    reload.mockResolvedValue(config({ modno: 9 }));
    mount(config());
    type(control("Hook timeout (seconds)"), "60");
    act(() => button("Save").click());
    await wait();
    expect(screen.container.textContent).toContain("The config changed elsewhere: reload");
    act(() => button("Reload").click());
    await wait();
    expect(reload).toHaveBeenCalled();
    expect(screen.container.textContent).not.toContain("The config changed elsewhere");
    expect(control("Hook timeout (seconds)").value).toBe("");
  });

  it("creates an API token and shows it once", async () => {
    vi.mocked(cairn.createApiToken).mockResolvedValue({ token: "cairn_abc_secret" } as never);
    reload.mockResolvedValue(null);
    mount(config());
    act(() => button("Create token").click());
    const dialog = screen.container.querySelector('[role="dialog"]') as HTMLElement;
    type(control("Label", dialog), "nightly");
    type(control("Valid for (days)", dialog), "30");
    act(() => button("Create", dialog).click());
    await wait();
    expect(cairn.createApiToken).toHaveBeenCalledWith({ label: "nightly", ttlDays: 30n });
    expect(control("Token").value).toBe("cairn_abc_secret");
    expect(button("Copy")).toBeDefined();
  });

  it("keeps the API token's dialog open until Done, or a confirmed dismissal", async () => {
    vi.mocked(cairn.createApiToken).mockResolvedValue({ token: "cairn_abc_secret" } as never);
    reload.mockResolvedValue(null);
    mount(config());
    act(() => button("Create token").click());
    act(() => button("Create", dialog("Create API token")).click());
    await wait();
    act(() => closeButton(dialog("API token created")).click());
    act(() => button("Keep", dialog("Token shown only once")).click());
    expect(control("Token").value).toBe("cairn_abc_secret");
    act(() => window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" })));
    act(() => button("Dismiss", dialog("Token shown only once")).click());
    expect(screen.container.querySelector('[role="dialog"]')).toBeNull();

    act(() => button("Create token").click());
    act(() => button("Create", dialog("Create API token")).click());
    await wait();
    act(() => button("Done", dialog("API token created")).click());
    expect(screen.container.querySelector('[role="dialog"]')).toBeNull();
  });

  it("hides the errors of history limits once a row is removed", async () => {
    save.mockRejectedValue(refusalOf("config is invalid:", [["cairn.history_limits[1].keep_max", "too small"]]));
    mount(
      config({
        cairn: {
          historyLimits: [
            { kind: "backup", keepMax: 5 },
            { kind: "prune", keepMax: 0 },
          ],
        },
      }),
    );
    type(control("Hook timeout (seconds)"), "60");
    act(() => button("Save").click());
    await wait();
    const rows = () => [...screen.container.querySelectorAll("fieldset.limit-row")] as HTMLElement[];
    expect(rows()[1].textContent).toContain("too small");
    act(() => button("Remove limit", rows()[0]).click());
    expect(screen.container.textContent).not.toContain("too small");
  });

  it("asks before a navigation leaves unsaved changes behind", async () => {
    window.location.hash = "#/settings";
    await wait();
    const router = vi.fn();
    window.addEventListener("hashchange", router);
    try {
      mount(config());
      type(control("Hook timeout (seconds)"), "60");
      window.location.hash = "#/plan/docs";
      await wait();
      expect(window.location.hash).toBe("#/settings");
      expect(router).not.toHaveBeenCalled();
      act(() => button("Keep", dialog("Unsaved changes")).click());
      expect(control("Hook timeout (seconds)").value).toBe("60");

      window.location.hash = "#/plan/docs";
      await wait();
      act(() => button("Discard", dialog("Unsaved changes")).click());
      expect(window.location.hash).toBe("#/plan/docs");
      expect(router).toHaveBeenCalledTimes(1);
    } finally {
      window.removeEventListener("hashchange", router);
    }
  });
});
