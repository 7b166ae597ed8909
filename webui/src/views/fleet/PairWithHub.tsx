// On a client: pairing with a hub by the token the hub issued and the hub's address, with what this
// instance lets the hub do here. The hub becomes a known host; the token is used on first contact.
import { useState } from "react";
import { create } from "@bufbuild/protobuf";
import {
  Multihost_PeerSchema,
  Multihost_PermissionSchema,
  Multihost_Permission_Type as PermissionType,
  type Multihost_Permission,
} from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { useTranslation } from "../../i18n";
import { parsePairingToken } from "../../lib/fleet";
import { PermissionEditor } from "./PermissionEditor";
import { useSaveMultihost } from "./saveMultihost";

/** What a new known host may do by default: see this instance's operations and config. */
function defaultGrants(): Multihost_Permission[] {
  return [PermissionType.PERMISSION_READ_OPERATIONS, PermissionType.PERMISSION_READ_CONFIG].map((type) =>
    create(Multihost_PermissionSchema, { type, scopes: ["*"] }),
  );
}

export function PairWithHub() {
  const { t } = useTranslation("fleet");
  const [token, setToken] = useState("");
  const [url, setUrl] = useState("");
  const [permissions, setPermissions] = useState(defaultGrants);
  const [errors, setErrors] = useState<{ token?: string; url?: string }>({});
  const [busy, setBusy] = useState(false);
  const save = useSaveMultihost();

  const pair = async () => {
    const parsed = parsePairingToken(token);
    const address = url.trim();
    const next = {
      token: parsed ? undefined : t("pair.badToken"),
      url: /^https?:\/\/[^/\s]+/.test(address) ? undefined : t("pair.badUrl"),
    };
    setErrors(next);
    if (!parsed || next.url) return;
    setBusy(true);
    const done = await save(
      (mh) => {
        mh.knownHosts = mh.knownHosts.filter((h) => h.keyid !== parsed.keyid);
        mh.knownHosts.push(
          create(Multihost_PeerSchema, {
            instanceId: parsed.instanceId,
            keyid: parsed.keyid,
            instanceUrl: address.replace(/\/+$/, ""),
            initialPairingSecret: parsed.secret,
            permissions,
          }),
        );
      },
      t("pair.added", { hub: parsed.instanceId }),
    );
    setBusy(false);
    if (done) {
      setToken("");
      setUrl("");
      setPermissions(defaultGrants());
    }
  };

  return (
    <div className="stack">
      <p className="field-hint">{t("pair.intro")}</p>
      <Field label={t("pair.token")} error={errors.token}>
        <input value={token} onChange={(e) => setToken(e.target.value)} translate="no" autoComplete="off" spellCheck={false} />
      </Field>
      <Field label={t("pair.url")} error={errors.url} hint={t("pair.urlHint")}>
        <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://hub.example:9898" translate="no" />
      </Field>
      <PermissionEditor label={t("pair.permissions")} value={permissions} onChange={setPermissions} />
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void pair()}>
          {t("pair.submit")}
        </button>
      </div>
    </div>
  );
}
