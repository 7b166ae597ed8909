// Values the stored config holds that Backrest accepts and cairn advises against (a relative backup
// path, a prune limit restic refuses, a hook without an action...): the config loads and saves, and
// this banner names each field and what to do. Re-read whenever the config changes.
import { useEffect, useState } from "react";
import type { ConfigWarning } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../api/client";
import { isAbort } from "../api/errors";
import { useConfig } from "../state/config";

/** The warnings of the config as it is now (empty while unknown). */
export function useConfigWarnings(): ConfigWarning[] {
  const { config } = useConfig();
  const modno = config?.modno;
  const [warnings, setWarnings] = useState<ConfigWarning[]>([]);
  useEffect(() => {
    if (modno === undefined) return;
    const abort = new AbortController();
    cairn
      .getStatus({}, { signal: abort.signal })
      .then((s) => setWarnings(s.configWarnings))
      .catch((e: unknown) => {
        if (!isAbort(e)) setWarnings([]);
      });
    return () => abort.abort();
  }, [modno]);
  return warnings;
}

export function ConfigWarnings() {
  const warnings = useConfigWarnings();
  if (warnings.length === 0) return null;
  return (
    <div className="banner banner-warn config-warnings" role="status">
      <strong>
        The config has {warnings.length === 1 ? "a value" : `${warnings.length} values`} cairn advises against (it works, as in Backrest):
      </strong>
      <ul>
        {warnings.map((w) => (
          <li key={`${w.path}:${w.message}`}>
            <code>{w.path}</code>: {w.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
