// The settings page's "API tokens" card: the tokens scripts use, each with its user, creation and
// expiry, revoked (RevokeApiToken) or created (CreateApiToken) at once rather than with the settings.
import { useCallback, useState } from "react";
import type { ApiToken, Config } from "@gen/v1/config_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Confirm } from "../../components/Modal";
import { notify } from "../../components/Toasts";
import { formatTime } from "../../lib/format";
import { CreateTokenModal } from "./CreateTokenModal";

function expiryText(t: ApiToken, now: number): string {
  if (t.expiresMs === 0n) return "never";
  const at = formatTime(t.expiresMs);
  return Number(t.expiresMs) <= now ? `expired ${at}` : at;
}

export function ApiTokens(props: { tokens: ApiToken[]; reload: () => Promise<Config | null> }) {
  const { tokens, reload } = props;
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [now] = useState(() => Date.now());
  const closeCreate = useCallback(() => setCreating(false), []);

  const revoke = async (t: ApiToken) => {
    setRevoking(null);
    try {
      await cairn.revokeApiToken({ id: t.id });
      notify(`Token ${t.label || t.id} revoked`);
    } catch (e) {
      notify(errorMessage(e), "err");
    }
    await reload();
  };

  return (
    <>
      <p className="field-hint">
        Long-lived tokens for scripts, sent as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as the user who created it.
        Creating or revoking one takes effect at once.
      </p>
      {tokens.length === 0 ? (
        <p className="muted">No API tokens.</p>
      ) : (
        <ul className="item-list" aria-label="API tokens">
          {tokens.map((t) => (
            <li key={t.id}>
              <div className="item-main">
                <strong>{t.label || <span className="muted">(no label)</span>}</strong>
                <span className="muted small">
                  user {t.user || "–"} · created {t.createdMs > 0n ? formatTime(t.createdMs) : "–"} · expires {expiryText(t, now)}
                </span>
              </div>
              <div className="item-actions">
                <button type="button" onClick={() => setRevoking(t)}>
                  Revoke
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="button" onClick={() => setCreating(true)}>
          Create token
        </button>
      </div>
      {creating && <CreateTokenModal onClose={closeCreate} reload={reload} />}
      {revoking && (
        <Confirm
          title="Revoke token"
          message={`Revoke the token ${revoking.label || revoking.id}? Scripts using it are refused from now on.`}
          confirmLabel="Revoke"
          danger
          onCancel={() => setRevoking(null)}
          onConfirm={() => void revoke(revoking)}
        />
      )}
    </>
  );
}
