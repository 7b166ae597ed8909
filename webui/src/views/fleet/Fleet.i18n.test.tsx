// The fleet pages in the pseudo-language: the fleet dashboard (and its filter to failing instances),
// the peers page (identity, pairing both ways, peers with their states and permissions) and a client's
// view from its hub (fleet-control buttons, its operations): every text comes from a catalogue or is
// data, and pairing writes what the server expects.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { act, type ReactNode } from "react";
import { create } from "@bufbuild/protobuf";
import { FleetDashboardSchema, type FleetDashboard } from "@gen/cairn/v1/cairn_pb";
import { ConfigSchema, Multihost_Permission_Type as PermissionType, type Config } from "@gen/v1/config_pb";
import { OperationSchema, OperationStatus } from "@gen/v1/operations_pb";
import { ConnectionState, PeerStateSchema, type PeerState } from "@gen/v1sync/syncservice_pb";
import type { ConfigState } from "../../state/config";
import type { Activity } from "../../state/activity";

vi.mock("../../api/client", () => ({
  apiBase: () => "http://127.0.0.1:9898/",
  backrest: { generatePairingToken: vi.fn(), getOperations: vi.fn(), getLogs: vi.fn(), cancel: vi.fn(), clearHistory: vi.fn() },
  cairn: { getFleetDashboard: vi.fn(), runRemoteTask: vi.fn(), watchOperations: vi.fn() },
  syncState: { getPeerSyncStatesStream: vi.fn() },
}));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../../state/config", () => ({ useConfig: () => state.current }));
const activity: { current: Activity } = {
  current: { running: [], streamError: null, dashboard: null, dashboardError: null, refreshDashboard: () => undefined },
};
vi.mock("../../state/activity", () => ({ useActivity: () => activity.current }));

import { backrest, cairn, syncState } from "../../api/client";
import { i18n } from "../../i18n";
import { dataStrings, untranslated } from "../../i18n/testing";
import { translatedScreen } from "../../i18n/screen";
import { Toasts } from "../../components/Toasts";
import { FleetDashboardPage } from "./FleetDashboard";
import { PeersPage } from "./Peers";
import { InstanceView } from "./InstanceView";

const NOW = Date.now();
const HOUR = 3_600_000;
const screen = translatedScreen();
const wait = (ms = 30) => act(() => new Promise<void>((r) => setTimeout(r, ms)));

const grant = (type: PermissionType, scopes: string[]) => ({ type, scopes });

function config(): Config {
  return create(ConfigSchema, {
    modno: 3,
    instance: "hub",
    multihost: {
      identity: { keyid: "ed25519.hubkey" },
      authorizedClients: [
        {
          instanceId: "laptop",
          keyid: "ed25519.laptop",
          permissions: [grant(PermissionType.PERMISSION_RECEIVE_SHARED_REPOS, ["repo:shared"])],
        },
        { instanceId: "desk", keyid: "ed25519.desk" },
      ],
      knownHosts: [
        {
          instanceId: "office",
          keyid: "ed25519.office",
          instanceUrl: "https://office:9898",
          initialPairingSecret: "********",
          permissions: [grant(PermissionType.PERMISSION_RUN_TASKS, ["plan:home", "!repo:x"])],
        },
      ],
      pairingTokens: [{ label: "spare", createdAtUnix: 5n, expiresAtUnix: BigInt(Math.floor(NOW / 1000) + 3600), maxUses: 3, uses: 1 }],
    },
  });
}

function fleet(): FleetDashboard {
  return create(FleetDashboardSchema, {
    instances: [
      {
        instanceId: "hub",
        local: true,
        state: ConnectionState.CONNECTED,
        plans: [
          {
            planId: "etc",
            repoId: "vault",
            lastStatus: OperationStatus.STATUS_SUCCESS,
            lastBackupMs: BigInt(NOW - HOUR),
            successes30days: 30n,
          },
        ],
      },
      {
        instanceId: "laptop",
        keyid: "ed25519.laptop",
        state: ConnectionState.CONNECTED,
        lastHeartbeatMs: BigInt(NOW - 60_000),
        plans: [
          {
            planId: "home",
            repoId: "nas",
            lastStatus: OperationStatus.STATUS_ERROR,
            lastBackupMs: BigInt(NOW - 2 * HOUR),
            lastMessage: "repository is locked",
            failures30days: 2n,
            nextBackupMs: BigInt(NOW + HOUR),
          },
          { planId: "music", repoId: "nas" },
        ],
      },
      { instanceId: "desk", keyid: "ed25519.desk", state: ConnectionState.ERROR_AUTH, statusMessage: "the client's key is not authorised" },
    ],
  });
}

function peerStates(): PeerState[] {
  return [
    create(PeerStateSchema, {
      peerKeyid: "ed25519.laptop",
      peerInstanceId: "laptop",
      state: ConnectionState.CONNECTED,
      lastHeartbeatMillis: BigInt(NOW - 60_000),
      knownRepos: [{ id: "nas" }],
      remoteConfig: { repos: [{ id: "usb" }] },
    }),
    create(PeerStateSchema, {
      peerKeyid: "ed25519.office",
      state: ConnectionState.RETRY_WAIT,
      statusMessage: "connection refused; retrying in 60s",
    }),
  ];
}

/** A subscribed stream: the given states, then open and quiet until the view closes it. */
function statesStream(_req: unknown, opts?: { signal?: AbortSignal }): AsyncIterable<PeerState> {
  const queue = peerStates();
  const end = new Promise<IteratorResult<PeerState>>((r) =>
    opts?.signal?.addEventListener("abort", () => r({ done: true, value: undefined })),
  );
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const value = queue.shift();
        return value ? Promise.resolve({ done: false, value }) : end;
      },
    }),
  };
}

function quietStream(_req: unknown, opts?: { signal?: AbortSignal }): AsyncIterable<never> {
  const end = new Promise<IteratorResult<never>>((r) => opts?.signal?.addEventListener("abort", () => r({ done: true, value: undefined })));
  return { [Symbol.asyncIterator]: () => ({ next: () => end }) };
}

const REMOTE_OP = create(OperationSchema, {
  id: 7n,
  flowId: 7n,
  modno: 7n,
  planId: "home",
  repoId: "nas",
  instanceId: "laptop",
  originalInstanceKeyid: "ed25519.laptop",
  unixTimeStartMs: BigInt(NOW - HOUR),
  status: OperationStatus.STATUS_INPROGRESS,
  op: { case: "operationBackup", value: {} },
});

const TOKEN = "ed25519.hubkey:0123abcd#hub";
const fixtures = () =>
  dataStrings(
    config(),
    fleet(),
    peerStates(),
    [REMOTE_OP],
    [TOKEN, "http://127.0.0.1:9898/", 'the client has not granted hub "hub" the run-tasks permission'],
  );

function mount(node: ReactNode) {
  const c = config();
  const save = vi.fn(async (next: Config) => next);
  state.current = { config: c, error: null, reload: vi.fn(async () => c), save, replace: vi.fn() };
  act(() =>
    screen.root.render(
      <>
        {node}
        <Toasts />
      </>,
    ),
  );
  return save;
}

function button(text: string): HTMLButtonElement {
  const b = [...document.querySelectorAll("button")].find((x) => x.textContent === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

function type(input: HTMLInputElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  act(() => {
    setter?.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

function field(label: string): HTMLInputElement {
  const l = [...document.querySelectorAll("label")].find((x) => x.textContent === label);
  const input = l && document.getElementById(l.htmlFor);
  if (!(input instanceof HTMLInputElement)) throw new Error(`no field ${label}`);
  return input;
}

beforeEach(() => {
  vi.mocked(cairn.getFleetDashboard).mockResolvedValue(fleet());
  vi.mocked(syncState.getPeerSyncStatesStream).mockImplementation(statesStream as never);
  vi.mocked(cairn.watchOperations).mockImplementation(quietStream as never);
  vi.mocked(backrest.getOperations).mockResolvedValue({ operations: [REMOTE_OP] } as never);
  vi.mocked(backrest.generatePairingToken).mockResolvedValue({ token: TOKEN } as never);
});

describe("the fleet pages in another language", () => {
  it("show every instance with its plans, and filter to those that need attention", async () => {
    mount(<FleetDashboardPage />);
    await wait();
    const cards = () => [...screen.container.querySelectorAll("section.card")].map((c) => c.getAttribute("aria-label"));
    expect(cards()).toEqual(["hub", "laptop", "desk"]);
    expect(screen.container.querySelectorAll("tr.failing")).toHaveLength(1);
    expect(screen.container.textContent).toContain("repository is locked");
    expect(leftovers()).toEqual([]);
    act(() => (screen.container.querySelector("input[type=checkbox]") as HTMLInputElement).click());
    expect(cards()).toEqual(["laptop", "desk"]);
    expect(leftovers()).toEqual([]);
  });

  it("issue a token, list peers with their states, and pair with a hub by token", async () => {
    const save = mount(<PeersPage />);
    await wait();
    expect(screen.container.querySelectorAll("li.peer-row")).toHaveLength(3);
    expect(screen.container.textContent).toContain("connection refused; retrying in 60s");
    act(() => button(i18n.t("fleet:tokens.issue")).click());
    await wait();
    expect(vi.mocked(backrest.generatePairingToken)).toHaveBeenCalledWith(expect.objectContaining({ ttlSeconds: 86400n, maxUses: 1 }));
    expect(screen.container.querySelector(".token-text")?.textContent).toBe(TOKEN);
    expect(leftovers()).toEqual([]);

    type(field(i18n.t("fleet:pair.token")), "not a token");
    type(field(i18n.t("fleet:pair.url")), "hub:9898");
    act(() => button(i18n.t("fleet:pair.submit")).click());
    await wait();
    expect(screen.container.textContent).toContain(i18n.t("fleet:pair.badToken"));
    expect(screen.container.textContent).toContain(i18n.t("fleet:pair.badUrl"));
    expect(save).not.toHaveBeenCalled();
    expect(leftovers()).toEqual([]);

    type(field(i18n.t("fleet:pair.token")), "ed25519.far:s3cret#far-hub");
    type(field(i18n.t("fleet:pair.url")), "http://far:9898/");
    act(() => button(i18n.t("fleet:pair.submit")).click());
    await wait();
    const saved = save.mock.calls[0][0];
    const host = saved.multihost?.knownHosts.find((h) => h.instanceId === "far-hub");
    expect(host).toMatchObject({ keyid: "ed25519.far", instanceUrl: "http://far:9898", initialPairingSecret: "s3cret" });
    expect(host?.permissions.map((p) => p.type)).toEqual([
      PermissionType.PERMISSION_READ_OPERATIONS,
      PermissionType.PERMISSION_READ_CONFIG,
    ]);
    expect(saved.multihost?.knownHosts).toHaveLength(2);
  });

  it("edit a peer's permissions and revoke a token through the config", async () => {
    const save = mount(<PeersPage />);
    await wait();
    const laptop = screen.container.querySelector("li[aria-label='laptop']");
    const edit = [...(laptop?.querySelectorAll("button") ?? [])].find((b) => b.textContent === i18n.t("fleet:peers.editPermissions"));
    act(() => edit?.click());
    act(() => button(i18n.t("fleet:permissions.add")).click());
    expect(leftovers()).toEqual([]);
    act(() => button(i18n.t("fleet:peers.savePermissions")).click());
    await wait();
    const client = save.mock.calls[0][0].multihost?.authorizedClients.find((c) => c.instanceId === "laptop");
    expect(client?.permissions.map((p) => p.type)).toEqual([
      PermissionType.PERMISSION_RECEIVE_SHARED_REPOS,
      PermissionType.PERMISSION_READ_OPERATIONS,
    ]);

    act(() => button(i18n.t("fleet:tokens.revoke")).click());
    expect(leftovers()).toEqual([]);
    const dialog = document.querySelector("[role=dialog]");
    const confirm = [...(dialog?.querySelectorAll("button") ?? [])].find((b) => b.textContent === i18n.t("fleet:tokens.revoke"));
    act(() => confirm?.click());
    await wait();
    expect(save.mock.calls[1][0].multihost?.pairingTokens).toEqual([]);
  });

  it("show a client from its hub, run its backup and tasks there, and its refusal", async () => {
    vi.mocked(cairn.runRemoteTask).mockResolvedValueOnce({ originalId: 3n, operationId: 9n } as never);
    mount(<InstanceView keyid="ed25519.laptop" />);
    await wait();
    expect(screen.container.querySelector("h1")?.textContent).toBe("laptop");
    expect([...screen.container.querySelectorAll("li[aria-label]")].map((l) => l.getAttribute("aria-label"))).toEqual([
      "home",
      "music",
      "nas",
      "usb",
    ]);
    expect(leftovers()).toEqual([]);
    const home = screen.container.querySelector("li[aria-label='home'] button") as HTMLButtonElement;
    act(() => home.click());
    await wait();
    expect(vi.mocked(cairn.runRemoteTask)).toHaveBeenCalledWith({ peerKeyid: "ed25519.laptop", task: "backup", planId: "home" });
    vi.mocked(cairn.runRemoteTask).mockRejectedValueOnce(new Error('the client has not granted hub "hub" the run-tasks permission'));
    const prune = [...screen.container.querySelectorAll("li[aria-label='nas'] button")][1] as HTMLButtonElement;
    act(() => prune.click());
    await wait();
    expect(vi.mocked(cairn.runRemoteTask)).toHaveBeenLastCalledWith({ peerKeyid: "ed25519.laptop", task: "prune", repoId: "nas" });
    expect(document.body.textContent).toContain("run-tasks permission");
    expect(leftovers()).toEqual([]);
  });
});

function leftovers(): string[] {
  return untranslated(document.body, fixtures());
}
