// The settings page's "API tokens" card: the tokens scripts use, each with its user, creation and
// expiry, revoked (RevokeApiToken) or created (CreateApiToken) at once rather than with the settings.
import { useCallback, useState } from "react";
import type { ApiToken, Config } from "@gen/v1/config_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Confirm } from "../../components/Modal";
import { notify } from "../../components/Toasts";
import { i18n, Trans, useTranslation } from "../../i18n";
import { formatTime } from "../../lib/format";
import { BearerHeader, CreateTokenModal } from "./CreateTokenModal";

function expiryText(t: ApiToken, now: number): string {
  if (t.expiresMs === 0n) return i18n.t("settings:tokens.never");
  const at = formatTime(t.expiresMs);
  return Number(t.expiresMs) <= now ? i18n.t("settings:tokens.expired", { at }) : at;
}

export function ApiTokens(props: { tokens: ApiToken[]; reload: () => Promise<Config | null> }) {
  const { t } = useTranslation("settings");
  const { tokens, reload } = props;
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [now] = useState(() => Date.now());
  const closeCreate = useCallback(() => setCreating(false), []);

  const revoke = async (token: ApiToken) => {
    setRevoking(null);
    try {
      await cairn.revokeApiToken({ id: token.id });
      notify(t("tokens.revoked", { name: token.label || token.id }));
    } catch (e) {
      notify(errorMessage(e), "err");
    }
    await reload();
  };

  return (
    <>
      <p className="field-hint">
        <Trans t={t} i18nKey="tokens.intro" components={{ header: <BearerHeader /> }} />
      </p>
      {tokens.length === 0 ? (
        <p className="muted">{t("tokens.none")}</p>
      ) : (
        <ul className="item-list" aria-label={t("tokens.list")}>
          {tokens.map((token) => (
            <TokenRow key={token.id} token={token} now={now} onRevoke={() => setRevoking(token)} />
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" onClick={() => setCreating(true)}>
          {t("tokens.create")}
        </button>
      </div>
      {creating && <CreateTokenModal onClose={closeCreate} reload={reload} />}
      {revoking && (
        <Confirm
          title={t("tokens.revokeConfirm.title")}
          message={t("tokens.revokeConfirm.message", { name: revoking.label || revoking.id })}
          confirmLabel={t("tokens.revoke")}
          danger
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke(revoking)}
        />
      )}
    </>
  );
}

function TokenRow(props: { token: ApiToken; now: number; onRevoke: () => void }) {
  const { t } = useTranslation("settings");
  const { token, now } = props;
  const created = token.createdMs > 0n ? formatTime(token.createdMs) : "–";
  return (
    <li>
      <div className="item-main">
        <strong>{token.label ? <span translate="no">{token.label}</span> : <span className="muted">{t("tokens.noLabel")}</span>}</strong>
        <span className="muted small">{t("tokens.meta", { user: token.user || "–", created, expires: expiryText(token, now) })}</span>
      </div>
      <div className="item-actions">
        <button type="button" onClick={props.onRevoke}>
          {t("tokens.revoke")}
        </button>
      </div>
    </li>
  );
}
