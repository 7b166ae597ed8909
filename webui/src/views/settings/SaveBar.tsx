// The bar at the bottom of the settings page: a conflict with a change made elsewhere (and Reload), the
// server's refusal of the last save, whether there are unsaved changes, and Discard and Save.
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
  const { conflict, otherErrors, dirty, saving } = props;
  const refused = otherErrors.length > 0 || props.fieldsRefused;
  return (
    <div className="savebar">
      {conflict && (
        <div className="banner banner-error row" role="alert">
          <span>
            The config changed elsewhere: reload
            <span className="muted"> (unsaved changes on this page are lost).</span>
          </span>
          <button type="button" onClick={props.onReload}>
            Reload
          </button>
        </div>
      )}
      {refused && !conflict && <RefusedBanner otherErrors={otherErrors} />}
      <span className="muted" role="status">
        {saving ? "Saving…" : dirty ? "Unsaved changes" : "No unsaved changes"}
      </span>
      <button type="button" disabled={!dirty || saving} onClick={props.onDiscard}>
        Discard changes
      </button>
      <button type="button" className="primary" disabled={!dirty || saving} onClick={props.onSave}>
        Save
      </button>
    </div>
  );
}

/** The server refused the last save: see the marked fields, or the errors no field shows. */
function RefusedBanner(props: { otherErrors: string[] }) {
  const { otherErrors } = props;
  return (
    <div className="banner banner-error" role="alert">
      {otherErrors.length === 0 ? (
        "The server refused the settings; see the marked fields."
      ) : (
        <>
          The server refused the settings:
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
