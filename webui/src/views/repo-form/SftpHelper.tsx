// The SSH key helper under an sftp: URI: SetupSftp creates cairn's key (once), trusts the server's host
// key and hands back the public key to install and the option that makes restic use them.
import { useState } from "react";
import type { SetupSftpResponse } from "@gen/v1/service_pb";
import { backrest } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Field } from "../../components/Field";
import { notify } from "../../components/Toasts";
import { parseSftpUri, sftpArgsFlag, type SftpTarget } from "../repoUri";

export function SftpHelper(props: { uri: string; onFlag: (flag: string) => void }) {
  const target = parseSftpUri(props.uri);
  const [port, setPort] = useState("22");
  const [result, setResult] = useState<SetupSftpResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!target) {
    return (
      <div className="sftp-helper field-hint">
        Write the URI as <code>sftp:user@host:/path</code> or <code>sftp://user@host:port//path</code> to set up an SSH key.
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
        <strong>SSH key</strong>
        <div className="field-hint">
          cairn connects to {who} with an SSH key of its own and no password prompt. Setting up creates the key (once), trusts the
          server&apos;s host key, and adds the matching option to Flags.
        </div>
      </div>
      <div className="inline-field">
        {target.port ? (
          <div className="field-hint">Port {target.port} (from the URI)</div>
        ) : (
          <Field label="SSH port">
            <input type="text" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
          </Field>
        )}
        <button type="button" disabled={busy} aria-busy={busy} onClick={() => void run()}>
          Set up SSH key
        </button>
      </div>
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      {result?.error && (
        <div className="banner banner-warn" role="note">
          The server&apos;s host key could not be fetched ({result.error}). Add it to the known_hosts of the user cairn runs as, or try
          again.
        </div>
      )}
      {result?.publicKey && <PublicKey result={result} target={target} />}
    </div>
  );
}

/** The public key to add to the server's authorized_keys, with a button that copies it. */
function PublicKey(props: { result: SetupSftpResponse; target: SftpTarget }) {
  const { result, target } = props;
  return (
    <>
      <Field
        label="Public key"
        hint={
          <>
            Add this line to <code>~/.ssh/authorized_keys</code> of {target.user || "the account"} on {target.host}, then use Test
            connection. The key is kept in <code>{result.keyPath}</code>.
          </>
        }
      >
        <textarea readOnly rows={3} value={result.publicKey} onFocus={(e) => e.currentTarget.select()} />
      </Field>
      <div>
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(result.publicKey)
              .then(() => notify("Public key copied"))
              .catch(() => notify("Could not copy; select the key and copy it", "err"))
          }
        >
          Copy public key
        </button>
      </div>
    </>
  );
}
