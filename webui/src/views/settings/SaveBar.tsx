// The bar at the bottom of the settings page: a conflict with a change made elsewhere (and Reload), the
// server's refusal of the last save, whether there are unsaved changes, and Discard and Save.
import { Trans, useTranslation } from "../../i18n";

export function SaveBar(props: {
  conflict: boolean;
  fieldsRefused: boolean;
  otherErrors: string[];
  dirty: boolean;
  saving: boolean;
  onReload: () => void;
  onDiscard: () => void;
  onSave: () => void;
}) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const { conflict, otherErrors, dirty, saving } = props;
  const refused = otherErrors.length > 0 || props.fieldsRefused;
  return (
    <div className="savebar">
      {conflict && (
        <div className="banner banner-error row" role="alert">
          <span>
            <Trans t={t} i18nKey="saveBar.conflict" components={{ muted: <span className="muted" /> }} />
          </span>
          <button type="button" onClick={props.onReload}>
            {tc("reload")}
          </button>
        </div>
      )}
      {refused && !conflict && <RefusedBanner otherErrors={otherErrors} />}
      <span className="muted" role="status">
        {saving ? tc("saving") : dirty ? t("saveBar.unsaved") : t("saveBar.clean")}
      </span>
      <button type="button" disabled={!dirty || saving} onClick={props.onDiscard}>
        {t("saveBar.discard")}
      </button>
      <button type="button" className="primary" disabled={!dirty || saving} onClick={props.onSave}>
        {tc("save")}
      </button>
    </div>
  );
}

/** The server refused the last save: see the marked fields, or the errors no field shows. */
function RefusedBanner(props: { otherErrors: string[] }) {
  const { t } = useTranslation("settings");
  const { otherErrors } = props;
  return (
    <div className="banner banner-error" role="alert">
      {otherErrors.length === 0 ? (
        t("saveBar.refusedFields")
      ) : (
        <>
          {t("saveBar.refused")}
          <ul>
            {otherErrors.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
