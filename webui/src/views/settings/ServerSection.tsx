// The settings page's "Server" card: the server's version, config file, data directory and time zone
// (GetStatus).
import { useEffect, useState } from "react";
import type { Status } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { Section } from "./Section";

export function ServerSection() {
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    cairn
      .getStatus({}, { signal: abort.signal })
      .then(setStatus)
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError(errorMessage(e));
      });
    return () => abort.abort();
  }, []);
  return (
    <Section title="Server">
      {error ? (
        <p className="field-error">{error}</p>
      ) : !status ? (
        <p className="muted">Loading…</p>
      ) : (
        <dl className="kv">
          <dt>Version</dt>
          <dd>{status.version || "unknown"}</dd>
          <dt>Config file</dt>
          <dd className="mono">{status.configPath}</dd>
          <dt>Data directory</dt>
          <dd className="mono">{status.dataPath}</dd>
          <dt>Time zone</dt>
          <dd>{status.timeZone || "not reported"}</dd>
        </dl>
      )}
    </Section>
  );
}
