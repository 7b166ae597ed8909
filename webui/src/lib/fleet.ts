// Fleet facts the views share: a peer's connection state as words and a tone, the permissions a peer
// can be granted, a pairing token read apart, and which fleet members are failing.
import { ConnectionState } from "@gen/v1sync/syncservice_pb";
import { Multihost_Permission_Type as PermissionType } from "@gen/v1/config_pb";
import { OperationStatus } from "@gen/v1/operations_pb";
import type { FleetInstance, FleetPlan } from "@gen/cairn/v1/cairn_pb";
import { i18n } from "../i18n";

const STATE_KEY = {
  [ConnectionState.UNKNOWN]: "disconnected",
  [ConnectionState.PENDING]: "connecting",
  [ConnectionState.CONNECTED]: "connected",
  [ConnectionState.DISCONNECTED]: "disconnected",
  [ConnectionState.RETRY_WAIT]: "retryWait",
  [ConnectionState.ERROR_AUTH]: "refused",
  [ConnectionState.ERROR_PROTOCOL]: "protocolError",
  [ConnectionState.ERROR_INTERNAL]: "error",
} as const satisfies Record<ConnectionState, string>;

/** "connected", "refused", …: a session state in the language shown. */
export function connectionLabel(s: ConnectionState | undefined): string {
  return i18n.t(`fleet:state.${STATE_KEY[s ?? ConnectionState.UNKNOWN] ?? STATE_KEY[ConnectionState.UNKNOWN]}`);
}

/** A connection state's CSS tone: ok, wait, err or off. */
export function connectionTone(s: ConnectionState | undefined): string {
  switch (s) {
    case ConnectionState.CONNECTED:
      return "ok";
    case ConnectionState.PENDING:
    case ConnectionState.RETRY_WAIT:
      return "wait";
    case ConnectionState.ERROR_AUTH:
    case ConnectionState.ERROR_PROTOCOL:
    case ConnectionState.ERROR_INTERNAL:
      return "err";
    default:
      return "off";
  }
}

/** Every permission a peer can be given, in the order the editor offers them. */
export const PERMISSION_TYPES = [
  PermissionType.PERMISSION_READ_OPERATIONS,
  PermissionType.PERMISSION_READ_CONFIG,
  PermissionType.PERMISSION_READ_WRITE_CONFIG,
  PermissionType.PERMISSION_RECEIVE_SHARED_REPOS,
  PermissionType.PERMISSION_RUN_TASKS,
] as const;

const PERMISSION_KEY = {
  [PermissionType.PERMISSION_UNKNOWN]: "unknown",
  [PermissionType.PERMISSION_READ_OPERATIONS]: "readOperations",
  [PermissionType.PERMISSION_READ_CONFIG]: "readConfig",
  [PermissionType.PERMISSION_READ_WRITE_CONFIG]: "readWriteConfig",
  [PermissionType.PERMISSION_RECEIVE_SHARED_REPOS]: "receiveSharedRepos",
  [PermissionType.PERMISSION_RUN_TASKS]: "runTasks",
} as const satisfies Record<PermissionType, string>;

export function permissionLabel(t: PermissionType): string {
  return i18n.t(`fleet:permission.${PERMISSION_KEY[t] ?? PERMISSION_KEY[PermissionType.PERMISSION_UNKNOWN]}`);
}

/** A pairing token, `<hub key id>:<secret>#<hub instance id>`, read apart; null when it is not one. */
export function parsePairingToken(token: string): { keyid: string; secret: string; instanceId: string } | null {
  const text = token.trim();
  const hash = text.lastIndexOf("#");
  if (hash < 0) return null;
  const rest = text.slice(0, hash);
  const colon = rest.indexOf(":");
  if (colon < 0) return null;
  const parsed = { keyid: rest.slice(0, colon), secret: rest.slice(colon + 1), instanceId: text.slice(hash + 1) };
  return parsed.keyid && parsed.secret && parsed.instanceId ? parsed : null;
}

/** A plan whose last backup failed or warned (earlier failures show in its count, not here). */
export function planFailing(p: FleetPlan): boolean {
  return p.lastStatus === OperationStatus.STATUS_ERROR || p.lastStatus === OperationStatus.STATUS_WARNING;
}

/** An instance with a failing plan, or whose session was refused or broke. */
export function instanceFailing(i: FleetInstance): boolean {
  return connectionTone(i.state) === "err" || i.plans.some(planFailing);
}
