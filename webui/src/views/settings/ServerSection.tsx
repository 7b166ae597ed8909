// The settings page's "Server" card: the server's version, config file, data directory and time zone
// (GetStatus).
import { useEffect, useState } from "react";
import type { Status } from "@gen/cairn/v1/cairn_pb";
import { cairn } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { useTranslation } from "../../i18n";
import { Section } from "./Section";

export function ServerSection() {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
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
    <Section title={t("page.sections.server")}>
      {error ? (
        <p className="field-error">{error}</p>
      ) : !status ? (
        <p className="muted">{tc("loading")}</p>
      ) : (
        <dl className="kv">
          <dt>{t("server.version")}</dt>
          <Fact value={status.version} otherwise={t("server.unknown")} />
          <dt>{t("server.configFile")}</dt>
          <dd className="mono" translate="no">
            {status.configPath}
          </dd>
          <dt>{t("server.dataDirectory")}</dt>
          <dd className="mono" translate="no">
            {status.dataPath}
          </dd>
          <dt>{t("server.timeZone")}</dt>
          <Fact value={status.timeZone} otherwise={t("server.notReported")} />
        </dl>
      )}
    </Section>
  );
}

/** A fact the server reported (data, not to be translated), or the words saying it did not. */
function Fact(props: { value: string; otherwise: string }) {
  return props.value ? <dd translate="no">{props.value}</dd> : <dd>{props.otherwise}</dd>;
}
