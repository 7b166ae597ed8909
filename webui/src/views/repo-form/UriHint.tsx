// The hint under the repository URI: what the typed scheme means, and examples for each kind of storage.
import { Trans, useTranslation } from "../../i18n";
import { BACKENDS, backendName, backendText } from "../repoUri";

const CODE = { code: <code translate="no" /> };

export function UriHint(props: { scheme: string | null }) {
  const { t } = useTranslation("repos");
  const b = BACKENDS.find((x) => x.scheme === props.scheme);
  return (
    <>
      {b ? (
        <Trans
          t={t}
          i18nKey="uriHint.known"
          components={CODE}
          values={{ name: backendName(b), text: backendText(b), example: b.example }}
          shouldUnescape
        />
      ) : props.scheme === null ? (
        t("uriHint.empty")
      ) : (
        t("uriHint.unknown", { scheme: props.scheme })
      )}
      <details>
        <summary>{t("uriHint.examples")}</summary>
        <ul className="uri-examples">
          {BACKENDS.map((x) => (
            <li key={x.scheme}>
              <Trans
                t={t}
                i18nKey="uriHint.example"
                components={CODE}
                values={{ name: backendName(x), example: x.example }}
                shouldUnescape
              />
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}
