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
import { Trans, useTranslation } from "../i18n";

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
  const { t } = useTranslation("shell");
  return (
    <>
      {backrestHistory && (
        <div className="banner banner-info backrest-history" role="status">
          {/* The path and command are elements, not interpolated text, so no character of theirs is read as markup. */}
          <Trans
            t={t}
            i18nKey="notices.backrestHistory"
            components={{
              path: <code translate="no">{backrestHistory}</code>,
              command: <code translate="no">cairn import-backrest {backrestHistory}</code>,
            }}
          />
        </div>
      )}
      {warnings.length > 0 && (
        <div className="banner banner-warn config-warnings" role="status">
          <strong>{t("notices.warnings", { count: warnings.length })}</strong>
          <ul>
            {warnings.map((w) => (
              <li key={`${w.path}:${w.message}`}>
                <code translate="no">{w.path}</code>: {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
