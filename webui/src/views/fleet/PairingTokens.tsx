// On a hub: issuing a pairing token (label, lifetime, uses, the permissions its clients get), shown
// once with the address clients dial, and the tokens still open, each with its uses and expiry.
import { useState } from "react";
import type { Multihost_PairingToken, Multihost_Permission } from "@gen/v1/config_pb";
import { apiBase, backrest } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Field } from "../../components/Field";
import { Confirm } from "../../components/Modal";
import { notify } from "../../components/Toasts";
import { useTranslation } from "../../i18n";
import { formatTime } from "../../lib/format";
import { useConfig } from "../../state/config";
import { IntInput } from "../settings/IntInput";
import { PermissionEditor } from "./PermissionEditor";
import { useSaveMultihost } from "./saveMultihost";

const LIFETIMES = [
  { seconds: 3600, key: "hour" },
  { seconds: 86400, key: "day" },
  { seconds: 7 * 86400, key: "week" },
  { seconds: 0, key: "never" },
] as const;

export function PairingTokens() {
  const { t } = useTranslation("fleet");
  const { config, reload } = useConfig();
  const [label, setLabel] = useState("");
  const [ttl, setTtl] = useState(86400);
  const [uses, setUses] = useState(1);
  const [permissions, setPermissions] = useState<Multihost_Permission[]>([]);
  const [issued, setIssued] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<Multihost_PairingToken | null>(null);
  const save = useSaveMultihost();
  const tokens = config?.multihost?.pairingTokens ?? [];

  const issue = async () => {
    setBusy(true);
    try {
      const r = await backrest.generatePairingToken({ label, ttlSeconds: BigInt(ttl), maxUses: uses, permissions });
      setIssued(r.token);
      await reload();
    } catch (e) {
      notify(errorMessage(e), "err");
    } finally {
      setBusy(false);
    }
  };
  const revoke = (token: Multihost_PairingToken) =>
    save(
      (mh) => (mh.pairingTokens = mh.pairingTokens.filter((x) => !(x.label === token.label && x.createdAtUnix === token.createdAtUnix))),
      t("tokens.revoked", { label: token.label }),
    );

  return (
    <div className="stack">
      <p className="field-hint">{t("tokens.intro")}</p>
      <div className="grid-2">
        <Field label={t("tokens.label")}>
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder={t("tokens.labelPlaceholder")} />
        </Field>
        <Field label={t("tokens.lifetime")}>
          <select value={ttl} onChange={(e) => setTtl(Number(e.target.value))}>
            {LIFETIMES.map((l) => (
              <option key={l.key} value={l.seconds}>
                {t(`tokens.lifetimes.${l.key}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("tokens.uses")}>
          <IntInput value={uses} onChange={setUses} min={1} />
        </Field>
      </div>
      <PermissionEditor label={t("tokens.permissions")} value={permissions} onChange={setPermissions} />
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void issue()}>
          {t("tokens.issue")}
        </button>
      </div>
      {issued && (
        <div className="card stack" role="status" aria-label={t("tokens.issuedTitle")}>
          <strong>{t("tokens.issuedTitle")}</strong>
          <code className="token-text" translate="no">
            {issued}
          </code>
          <p className="field-hint">{t("tokens.issuedHint")}</p>
          <code translate="no">{apiBase()}</code>
        </div>
      )}
      <h3>{t("tokens.open")}</h3>
      {tokens.length === 0 ? (
        <p className="muted">{t("tokens.none")}</p>
      ) : (
        <ul className="item-list" aria-label={t("tokens.open")}>
          {tokens.map((token) => (
            <li key={`${token.label}:${token.createdAtUnix}`} className="spread">
              <span>
                <strong translate="no">{token.label}</strong>{" "}
                <span className="muted small">
                  {t("tokens.used", { uses: token.uses, max: token.maxUses })} ·{" "}
                  {token.expiresAtUnix > 0n
                    ? t("tokens.expires", { at: formatTime(Number(token.expiresAtUnix) * 1000) })
                    : t("tokens.noExpiry")}
                </span>
              </span>
              <button type="button" className="link" onClick={() => setRevoking(token)}>
                {t("tokens.revoke")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {revoking && (
        <Confirm
          title={t("tokens.revokeTitle")}
          message={t("tokens.revokeMessage", { label: revoking.label })}
          confirmLabel={t("tokens.revoke")}
          danger
          onCancel={() => setRevoking(null)}
          onConfirm={() => {
            const token = revoking;
            setRevoking(null);
            void revoke(token);
          }}
        />
      )}
    </div>
  );
}
