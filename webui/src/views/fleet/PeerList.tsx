// The peers of one role (the clients this hub accepts, or the hubs this instance dials): each with its
// session state, last heartbeat and last message, its permissions (editable) and a way to remove it,
// which ends its session at once.
import { useState } from "react";
import type { Multihost_Peer, Multihost_Permission } from "@gen/v1/config_pb";
import type { PeerState } from "@gen/v1sync/syncservice_pb";
import { Confirm } from "../../components/Modal";
import { useTranslation } from "../../i18n";
import { connectionLabel, connectionTone, permissionLabel } from "../../lib/fleet";
import { formatRelative } from "../../lib/format";
import { href } from "../../lib/router";
import { PermissionEditor } from "./PermissionEditor";
import { useSaveMultihost } from "./saveMultihost";

export type Role = "client" | "host";

export function PeerList(props: { role: Role; peers: Multihost_Peer[]; states: ReadonlyMap<string, PeerState> }) {
  const { t } = useTranslation("fleet");
  if (props.peers.length === 0) return <p className="muted">{t(props.role === "client" ? "peers.noClients" : "peers.noHosts")}</p>;
  return (
    <ul className="item-list" aria-label={t(props.role === "client" ? "peers.clients" : "peers.hosts")}>
      {props.peers.map((p) => (
        <PeerRow key={p.keyid} role={props.role} peer={p} state={props.states.get(p.keyid)} />
      ))}
    </ul>
  );
}

function PeerRow({ role, peer, state }: { role: Role; peer: Multihost_Peer; state: PeerState | undefined }) {
  const { t } = useTranslation("fleet");
  const [editing, setEditing] = useState<Multihost_Permission[] | null>(null);
  const [removing, setRemoving] = useState(false);
  const save = useSaveMultihost();
  const edit = (change: (list: Multihost_Peer[]) => Multihost_Peer[], done: string) =>
    save((mh) => {
      if (role === "client") mh.authorizedClients = change(mh.authorizedClients);
      else mh.knownHosts = change(mh.knownHosts);
    }, done);
  const savePermissions = async (permissions: Multihost_Permission[]) => {
    const grant = (list: Multihost_Peer[]) => {
      for (const x of list) if (x.keyid === peer.keyid) x.permissions = permissions;
      return list;
    };
    const ok = await edit(grant, t("peers.permissionsSaved", { peer: peer.instanceId }));
    if (ok) setEditing(null);
  };
  const heartbeat = state && state.lastHeartbeatMillis > 0n ? formatRelative(state.lastHeartbeatMillis) : null;
  return (
    <li className="stack peer-row" aria-label={peer.instanceId}>
      <div className="spread">
        <span>
          <span className={`dot tone-${connectionTone(state?.state)}`} /> <strong translate="no">{peer.instanceId}</strong>{" "}
          <span className={`badge tone-${connectionTone(state?.state)}`}>{connectionLabel(state?.state)}</span>
          {peer.initialPairingSecret && <span className="muted small"> {t("peers.awaitingPairing")}</span>}
        </span>
        <span className="row">
          {role === "client" && <a href={href({ name: "instance", keyid: peer.keyid })}>{t("peers.open")}</a>}
          <button type="button" className="link" onClick={() => setEditing(peer.permissions)}>
            {t("peers.editPermissions")}
          </button>
          <button type="button" className="link danger" onClick={() => setRemoving(true)}>
            {t("peers.remove")}
          </button>
        </span>
      </div>
      <div className="muted small">
        {heartbeat ? t("peers.heartbeat", { when: heartbeat }) : t("peers.noHeartbeat")}
        {role === "host" && (
          <>
            {" · "}
            <span translate="no">{peer.instanceUrl}</span>
          </>
        )}
        {" · "}
        <span translate="no">{peer.keyid}</span>
      </div>
      {state?.statusMessage && (
        <div className="small" data-server-text>
          {state.statusMessage}
        </div>
      )}
      <div className="small">
        {peer.permissions.length === 0
          ? t("peers.noPermissions")
          : peer.permissions.map((p, i) => (
              <span key={i} className="badge tone-off">
                {permissionLabel(p.type)} <span translate="no">{p.scopes.join(", ") || "*"}</span>
              </span>
            ))}
      </div>
      {editing && (
        <div className="stack">
          <PermissionEditor
            label={t(role === "client" ? "peers.clientPermissions" : "peers.hostPermissions")}
            value={editing}
            onChange={setEditing}
          />
          <div className="row">
            <button type="button" className="primary" onClick={() => void savePermissions(editing)}>
              {t("peers.savePermissions")}
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              {t("peers.cancelEdit")}
            </button>
          </div>
        </div>
      )}
      {removing && (
        <Confirm
          title={t("peers.removeTitle", { peer: peer.instanceId })}
          message={t(role === "client" ? "peers.removeClient" : "peers.removeHost", { peer: peer.instanceId })}
          confirmLabel={t("peers.remove")}
          danger
          onCancel={() => setRemoving(false)}
          onConfirm={() => {
            setRemoving(false);
            void edit((list) => list.filter((x) => x.keyid !== peer.keyid), t("peers.removed", { peer: peer.instanceId }));
          }}
        />
      )}
    </li>
  );
}
