// The app's frame, sign-in pages and shared components in the pseudo-language: every text they show comes
// from a catalogue (or is data the test put in), in each state they have.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AuthStateSchema, StatusSchema, type Status } from "@gen/cairn/v1/cairn_pb";
import { ConfigSchema, type Config } from "@gen/v1/config_pb";
import { OperationSchema, OperationStatus, type Operation } from "@gen/v1/operations_pb";
import { SummaryDashboardResponseSchema } from "@gen/v1/service_pb";

const session = vi.hoisted(() => ({ token: null as string | null, expire: (): void => undefined }));
vi.mock("../api/client", () => ({
  cairn: { getAuthState: vi.fn(), getStatus: vi.fn(), watchOperations: vi.fn(), setup: vi.fn() },
  backrest: { getConfig: vi.fn(), getSummaryDashboard: vi.fn(), pathAutocomplete: vi.fn() },
  authentication: { login: vi.fn() },
  getToken: () => session.token,
  setToken: (t: string | null) => void (session.token = t),
  onUnauthenticated: (fn: () => void) => {
    session.expire = fn;
    return () => undefined;
  },
}));
import { authentication, backrest, cairn } from "../api/client";
import { App } from "../App";

import { dataStrings, untranslated } from "../i18n/testing";
import { Confirm, Modal } from "../components/Modal";
import { unsavedGuard } from "../components/closeGuard";
import { FormBanner, FormUnavailable, secretHint } from "../components/FormKit";
import { notify, Toasts } from "../components/Toasts";
import { ServerNotices } from "../components/ServerNotices";
import { StatusBadge } from "../components/Status";
import { ConfigProvider } from "../state/config";
import { Missing } from "./Missing";
import { flagErrors, idError, linesError, LOCAL_ERRORS_BANNER, mapServerErrors, newIdError, SERVER_ERRORS_BANNER } from "../lib/formErrors";
import { passwordProblem, userNameProblem } from "../lib/passwords";
import { refusal } from "../api/testing";
import { translatedScreen } from "../i18n/screen";

const screen = translatedScreen();

const wait = (ms = 30) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

async function mount(node: ReactNode) {
  await act(async () => screen.root.render(node));
  await wait();
}

/** What the page shows that holds a Latin letter outside the catalogue's marks and the given data. */
function leftovers(...data: unknown[]): string[] {
  return untranslated(document.body, dataStrings(...data));
}

function heading(): string {
  const h = document.querySelector("h1");
  if (!h) throw new Error("nothing rendered");
  return h.textContent ?? "";
}

function button(text: string): HTMLButtonElement {
  const b = [...document.querySelectorAll("button")].find((x) => x.textContent === text || x.getAttribute("aria-label") === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function typeInto(input: HTMLInputElement, value: string) {
  const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  act(() => {
    set?.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

function inputs(): HTMLInputElement[] {
  return [...document.querySelectorAll<HTMLInputElement>("form input")];
}

async function submit() {
  const form = document.querySelector("form");
  await act(async () => void form?.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true })));
  await wait();
}

function authState(init: MessageInitShape<typeof AuthStateSchema> = {}) {
  vi.mocked(cairn.getAuthState).mockResolvedValue(create(AuthStateSchema, init));
}

function op(id: number, planId: string, repoId: string): Operation {
  return create(OperationSchema, {
    id: BigInt(id),
    planId,
    repoId,
    status: OperationStatus.STATUS_INPROGRESS,
    unixTimeStartMs: BigInt(Date.now() - 125_000),
    op: { case: "operationBackup", value: {} },
  });
}

/** An operation stream that stays open, saying nothing, until the page leaves. */
function quietStream(_req: unknown, opts?: { signal?: AbortSignal }) {
  return (async function* () {
    await new Promise((r) => opts?.signal?.addEventListener("abort", r));
    yield* [];
  })() as unknown as ReturnType<typeof cairn.watchOperations>;
}

function brokenStream(message: string) {
  return () =>
    (async function* () {
      await Promise.resolve();
      yield* [];
      throw new ConnectError(message, Code.Unavailable);
    })() as unknown as ReturnType<typeof cairn.watchOperations>;
}

const FULL_CONFIG = create(ConfigSchema, {
  modno: 4,
  instance: "box",
  plans: [{ id: "docs", repo: "nas", paths: ["/home/u/docs"] }],
  repos: [{ id: "nas", uri: "/srv/restic/nas" }],
});

const STATUS: Status = create(StatusSchema, {
  modno: 9n,
  runningOperations: [op(1, "docs", "nas"), op(2, "", "nas"), op(3, "photos", "nas"), op(4, "mail", "nas")],
  configWarnings: [{ path: "plans[0].paths[0]", message: '"docs" is relative' }],
  backrestHistory: "/home/u/.local/share/backrest",
});

function signedIn(config: Config, status: Status) {
  session.token = "tok";
  authState();
  vi.mocked(backrest.getConfig).mockResolvedValue(config);
  vi.mocked(cairn.getStatus).mockResolvedValue(status);
  vi.mocked(cairn.watchOperations).mockImplementation(quietStream);
}

beforeEach(async () => {
  session.token = null;
  window.location.hash = "#/nowhere";
  vi.mocked(backrest.getSummaryDashboard).mockResolvedValue(create(SummaryDashboardResponseSchema, {}));
});

describe("first-run setup", () => {
  it("asks for the first user, and shows the form's own errors and the server's refusal", async () => {
    authState({ setupRequired: true });
    await mount(<App />);
    expect(heading()).not.toBe("");
    expect(leftovers()).toEqual([]);

    const [user, pw, pw2] = inputs();
    typeInto(pw, "short");
    typeInto(pw2, "other");
    await submit();
    expect(document.querySelector(".banner-error")).not.toBeNull();
    expect(document.querySelector(".field-error")).not.toBeNull();
    expect(leftovers("admin")).toEqual([]);

    const refusal = new ConnectError("user name may not contain spaces", Code.InvalidArgument);
    vi.mocked(cairn.setup).mockRejectedValue(refusal);
    typeInto(user, "the admin");
    typeInto(pw, "long enough");
    typeInto(pw2, "long enough");
    await submit();
    expect(document.querySelector(".banner-error")?.textContent).toBe(refusal.rawMessage);
    expect(leftovers("the admin", refusal.rawMessage)).toEqual([]);
  });
});

describe("login", () => {
  it("shows the single sign-on button the server names by default, and a refusal asking for a one-time code", async () => {
    authState({ oidcLabel: "Sign in with single sign-on" });
    await mount(<App />);
    expect(heading()).not.toBe("");
    expect(document.querySelector("a.button")).not.toBeNull();
    expect(leftovers()).toEqual([]);

    const refusal = new ConnectError("two-factor authentication code required", Code.Unauthenticated);
    vi.mocked(authentication.login).mockRejectedValue(refusal);
    const [user, pw] = inputs();
    typeInto(user, "alice");
    typeInto(pw, "secret words");
    await submit();
    expect(inputs()).toHaveLength(3);
    expect(leftovers("alice", refusal.rawMessage)).toEqual([]);
  });

  it("shows a configured button text as it is, and why single sign-on failed", async () => {
    window.location.hash = "#oidc_error=";
    authState({ oidcLabel: "Sign in with Example ID" });
    await mount(<App />);
    expect(document.querySelector(".banner-error")).not.toBeNull();
    expect(leftovers("Sign in with Example ID")).toEqual([]);
  });

  it("says when the session ended", async () => {
    signedIn(FULL_CONFIG, STATUS);
    await mount(<App />);
    expect(document.querySelector(".shell")).not.toBeNull();
    await act(async () => session.expire());
    await wait();
    expect(document.querySelector(".shell")).toBeNull();
    expect(heading()).not.toBe("");
    expect(leftovers()).toEqual([]);
  });
});

describe("the app", () => {
  it("says when cairn is not answering, with a button to try again", async () => {
    const down = new ConnectError("Failed to fetch", Code.Unavailable);
    vi.mocked(cairn.getAuthState).mockRejectedValue(down);
    await mount(<App />);
    expect(heading()).not.toBe("");
    expect(document.querySelector("[role=alert]")?.textContent).toBe(down.rawMessage);
    expect(leftovers(down.rawMessage)).toEqual([]);
  });

  it("is loading before the server answers", async () => {
    vi.mocked(cairn.getAuthState).mockReturnValue(new Promise(() => undefined));
    await mount(<App />);
    expect(document.querySelector(".center-page")?.textContent).not.toBe("");
    expect(leftovers()).toEqual([]);
  });
});

describe("the shell", () => {
  it("shows navigation, the theme menu, logout, running operations and the server's notices", async () => {
    signedIn(FULL_CONFIG, STATUS);
    await mount(<App />);
    expect(heading()).not.toBe("");
    expect(document.querySelectorAll(".activity-item")).toHaveLength(3);
    expect(document.querySelector(".config-warnings")).not.toBeNull();
    expect(document.querySelector(".backrest-history code")?.textContent).toBe(STATUS.backrestHistory);
    expect(document.querySelectorAll(".theme-select option")).toHaveLength(3);
    expect(document.querySelector(".content .card a")?.textContent).not.toBe("");
    act(() => button("⟦Menu⟧").click());
    expect(document.querySelector(".sidebar.open")).not.toBeNull();
    expect(leftovers(FULL_CONFIG, STATUS, "/nowhere")).toEqual([]);

    act(() => button("⟦Log out⟧").click());
    await wait();
    expect(document.querySelector(".shell")).toBeNull();
    expect(leftovers()).toEqual([]);
  });

  it("shows the empty lists, an idle server, a lost operation stream and a config that failed to load", async () => {
    signedIn(create(ConfigSchema, { modno: 1 }), create(StatusSchema, { modno: 1n }));
    vi.mocked(cairn.watchOperations).mockImplementation(brokenStream("stream reset by peer"));
    await mount(<App />);
    expect(document.querySelectorAll(".nav-empty")).toHaveLength(2);
    expect(document.querySelector(".activity.tone-warn")).not.toBeNull();
    expect(leftovers("stream reset by peer", "/nowhere")).toEqual([]);

    screen.remount();
    vi.mocked(cairn.watchOperations).mockImplementation(quietStream);
    vi.mocked(backrest.getConfig).mockRejectedValue(new ConnectError("config unreadable", Code.Internal));
    await mount(<App />);
    expect(document.querySelector(".activity")?.textContent).not.toBe("");
    expect(document.querySelector(".content .banner-error")).not.toBeNull();
    expect(leftovers("config unreadable", "/nowhere")).toEqual([]);
  });
});

describe("shared components", () => {
  it("a dialog asking before it drops unsaved work, and a confirmation", async () => {
    await mount(
      <Modal title="Edit plan docs" onClose={() => undefined} guard={unsavedGuard(true)}>
        body
      </Modal>,
    );
    act(() => void window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true })));
    expect(document.querySelectorAll("[role=dialog]")).toHaveLength(2);
    expect(leftovers("Edit plan docs", "body")).toEqual([]);

    await mount(<Confirm title="Delete docs?" message="It goes." confirmLabel="Delete" danger onConfirm={vi.fn()} onCancel={vi.fn()} />);
    expect(document.querySelectorAll("[role=dialog] button")).toHaveLength(3);
    expect(leftovers("Delete docs?", "It goes.", "Delete")).toEqual([]);
  });

  it("a form dialog while the config loads or once its item is gone, and its banners", async () => {
    await mount(<FormUnavailable title="Edit plan" onClose={() => undefined} />);
    expect(document.querySelector(".modal-body")?.textContent).not.toBe("");
    expect(leftovers("Edit plan")).toEqual([]);
    for (const kind of ["plan", "repository"] as const) {
      await mount(<FormUnavailable title="Edit" onClose={() => undefined} missing={{ kind, id: "docs" }} />);
      expect(leftovers("Edit", "docs")).toEqual([]);
    }
    for (const text of [LOCAL_ERRORS_BANNER, SERVER_ERRORS_BANNER]) {
      await mount(<FormBanner text={text} />);
      expect(document.querySelector(".banner-error")).not.toBeNull();
      expect(leftovers()).toEqual([]);
    }
  });

  it("the messages of the forms' own checks", async () => {
    const fields: [string, string][] = [
      ["plans[0].paths[0]", "is relative"],
      ["repos[0].uri", "is empty"],
    ];
    // A refusal whose first line is already a field's, so the banner gets a lead of its own.
    const refused = refusal(fields.map(([f, d]) => `${f}: ${d}`).join("\n"), fields);
    const messages = [
      secretHint("********"),
      idError("plan", ""),
      idError("repository", ""),
      idError("plan", "a b"),
      idError("plan", "_x_"),
      newIdError("plan", "docs", ["docs"]),
      newIdError("repository", "nas", ["nas"]),
      ...Object.values(flagErrors("flags", ["verbose"])),
      linesError({ "flags[0]": "bad flag" }, "flags"),
      mapServerErrors(refused, ["plans[0]"], [/^paths/]).banner,
      passwordProblem("", ""),
      passwordProblem("short", "short"),
      passwordProblem("é".repeat(40), "é".repeat(40)),
      passwordProblem("long enough", "long enougH"),
      userNameProblem("", []),
      userNameProblem("a b", []),
      userNameProblem("_x_", []),
      userNameProblem("admin", ["admin"]),
    ];
    await mount(
      <ul>
        {messages.map((m, i) => (
          <li key={i}>{m}</li>
        ))}
      </ul>,
    );
    expect(document.querySelectorAll("li")).toHaveLength(messages.length);
    expect(leftovers("docs", "nas", "verbose", "--one-file-system", "bad flag", "admin", "repos[0].uri", "is empty")).toEqual([]);
  });

  it("toasts, a status badge, the server's notices and a missing plan or repository", async () => {
    signedIn(FULL_CONFIG, STATUS);
    await mount(
      <ConfigProvider>
        <ServerNotices />
        <Toasts />
        <StatusBadge status={OperationStatus.STATUS_SUCCESS} />
        <Missing what="plan" id="docs" />
        <Missing what="repository" id="nas" />
      </ConfigProvider>,
    );
    act(() => notify("Backup of docs queued"));
    act(() => notify("repository locked", "err"));
    expect(document.querySelectorAll(".toast")).toHaveLength(2);
    expect(document.querySelectorAll("h1")).toHaveLength(2);
    expect([...document.querySelectorAll(".card a")].map((a) => a.textContent)).not.toContain("");
    expect(document.querySelector(".config-warnings strong")?.textContent).not.toBe("");
    expect(leftovers(STATUS, "docs", "nas", "Backup of docs queued", "repository locked")).toEqual([]);
  });
});
