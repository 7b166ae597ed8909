// What the server wants a person to know about its setup, shown above every view: values the stored
// config holds that Backrest accepts and cairn advises against (a relative backup path, a prune limit
// restic refuses, a hook without an action...: the config loads and saves, and each is named with
// what to do), and, on a first start, where Backrest's history is and how to import it. Re-read
// whenever the config changes.
import { useEffect, useState } from "react";
import type { Status } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../api/client";
import { isAbort } from "../api/errors";
import { useConfig } from "../state/config";

type Notices = Pick<Status, "configWarnings" | "backrestHistory">;

const NONE: Notices = { configWarnings: [], backrestHistory: "" };

/** The notices for the config as it is now (none while unknown). */
export function useServerNotices(): Notices {
  const { config } = useConfig();
  const modno = config?.modno;
  const [notices, setNotices] = useState<Notices>(NONE);
  useEffect(() => {
    if (modno === undefined) return;
    const abort = new AbortController();
    cairn
      .getStatus({}, { signal: abort.signal })
      .then((s) => setNotices({ configWarnings: s.configWarnings, backrestHistory: s.backrestHistory }))
      .catch((e: unknown) => {
        if (!isAbort(e)) setNotices(NONE);
      });
    return () => abort.abort();
  }, [modno]);
  return notices;
}

export function ServerNotices() {
  const { configWarnings: warnings, backrestHistory } = useServerNotices();
  return (
    <>
      {backrestHistory && (
        <div className="banner banner-info backrest-history" role="status">
          Backrest&apos;s history is in <code>{backrestHistory}</code>. To see it here, stop cairn and run{" "}
          <code>cairn import-backrest {backrestHistory}</code>, then start cairn again (Backrest&apos;s files are only read).
        </div>
      )}
      {warnings.length > 0 && (
        <div className="banner banner-warn config-warnings" role="status">
          <strong>
            The config has {warnings.length === 1 ? "a value" : `${warnings.length} values`} cairn advises against (it works, as in
            Backrest):
          </strong>
          <ul>
            {warnings.map((w) => (
              <li key={`${w.path}:${w.message}`}>
                <code>{w.path}</code>: {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
