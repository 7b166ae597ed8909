// The SSH key helper under an sftp: URI: SetupSftp creates cairn's key (once), trusts the server's host
// key and hands back the public key to install and the option that makes restic use them.
import { useState } from "react";
import type { SetupSftpResponse } from "@gen/v1/service_pb";
import { backrest } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Field } from "../../components/Field";
import { notify } from "../../components/Toasts";
import { Trans, useTranslation } from "../../i18n";
import { parseSftpUri, sftpArgsFlag, type SftpTarget } from "../repoUri";

const CODE = { code: <code translate="no" /> };

export function SftpHelper(props: { uri: string; onFlag: (flag: string) => void }) {
  const { t } = useTranslation("repos");
  const target = parseSftpUri(props.uri);
  const [port, setPort] = useState("22");
  const [result, setResult] = useState<SetupSftpResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!target) {
    return (
      <div className="sftp-helper field-hint">
        <Trans
          t={t}
          i18nKey="sftp.writeUri"
          components={CODE}
          values={{ short: "sftp:user@host:/path", long: "sftp://user@host:port//path" }}
        />
      </div>
    );
  }
  const usedPort = target.port ?? port;
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await backrest.setupSftp({ host: target.host, port: usedPort, username: target.user });
      setResult(r);
      if (r.keyPath) props.onFlag(sftpArgsFlag(r.keyPath, r.knownHostsPath, target.port ? null : usedPort));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const who = `${target.user ? `${target.user}@` : ""}${target.host}`;
  return (
    <div className="sftp-helper">
      <div>
        <strong>{t("sftp.title")}</strong>
        <div className="field-hint">{t("sftp.intro", { who })}</div>
      </div>
      <div className="inline-field">
        {target.port ? (
          <div className="field-hint">{t("sftp.portFromUri", { port: target.port })}</div>
        ) : (
          <Field label={t("sftp.port")}>
            <input type="text" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
          </Field>
        )}
        <button type="button" disabled={busy} aria-busy={busy} onClick={() => void run()}>
          {t("sftp.setUp")}
        </button>
      </div>
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      {result?.error && (
        <div className="banner banner-warn" role="note">
          {t("sftp.hostKeyFailed", { error: result.error, file: "known_hosts" })}
        </div>
      )}
      {result?.publicKey && <PublicKey result={result} target={target} />}
    </div>
  );
}

/** The public key to add to the server's authorized_keys, with a button that copies it. */
function PublicKey(props: { result: SetupSftpResponse; target: SftpTarget }) {
  const { result, target } = props;
  const { t } = useTranslation("repos");
  const values = { file: "~/.ssh/authorized_keys", user: target.user, host: target.host, path: result.keyPath };
  return (
    <>
      <Field
        label={t("sftp.publicKey")}
        hint={
          <Trans
            t={t}
            i18nKey={target.user ? "sftp.publicKeyHint" : "sftp.publicKeyHintNoUser"}
            components={CODE}
            values={values}
            shouldUnescape
          />
        }
      >
        <textarea readOnly rows={3} value={result.publicKey} translate="no" onFocus={(e) => e.currentTarget.select()} />
      </Field>
      <div>
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(result.publicKey)
              .then(() => notify(t("sftp.copied")))
              .catch(() => notify(t("sftp.copyFailed"), "err"))
          }
        >
          {t("sftp.copy")}
        </button>
      </div>
    </>
  );
}
