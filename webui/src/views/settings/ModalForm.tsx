// The form inside the settings page's dialogs (add user, change password, create token): its fields,
// the error of the last attempt, an optional note, and Cancel beside the submit button.
import type { ReactNode } from "react";
import { Modal } from "../../components/Modal";
import { unsavedGuard } from "../../components/closeGuard";
import { useTranslation } from "../../i18n";

export function ModalForm(props: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  error: string | null;
  busy: boolean;
  submitLabel: string;
  note?: ReactNode;
  /** Something was typed: Escape asks before throwing it away. */
  dirty: boolean;
  children: ReactNode;
}) {
  const { t: tc } = useTranslation("common");
  return (
    <Modal title={props.title} onClose={props.onClose} guard={unsavedGuard(props.dirty)}>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSubmit();
        }}
      >
        {props.children}
        {props.error && (
          <div className="banner banner-error" role="alert">
            {props.error}
          </div>
        )}
        {props.note && <p className="field-hint">{props.note}</p>}
        <div className="row row-end">
          <button type="button" onClick={props.onClose}>
            {tc("cancel")}
          </button>
          <button type="submit" className="primary" disabled={props.busy}>
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
