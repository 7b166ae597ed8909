// A dialog over the page, labelled by its title, with the keyboard kept inside it (useDialog). It
// closes by Escape or its × (never by a click beside it, which is too easily a stray one); with a
// `guard` (unsaved work), Escape, and the × too when the guard says so, asks first. Also the small
// dialog that asks before something destructive.
import { useRef, useState, type ReactNode } from "react";
import { useTranslation } from "../i18n";
import type { CloseGuard } from "./closeGuard";
import { useDialog } from "./useDialog";

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  /** Asked before Escape (and the ×, if it says so) closes the dialog; none: they close it at once. */
  guard?: CloseGuard;
}) {
  const { title, children, footer, wide, guard } = props;
  const { t: tc } = useTranslation("common");
  const ref = useRef<HTMLDivElement>(null);
  const [asking, setAsking] = useState(false);
  const close = (deliberate: boolean) => {
    if (guard && (!deliberate || guard.closeButton)) setAsking(true);
    else props.onClose();
  };
  useDialog(ref, () => close(false));
  return (
    <div className="modal-backdrop">
      <div className={`modal${wide ? " modal-wide" : ""}`} role="dialog" aria-modal="true" aria-label={title} ref={ref}>
        <header className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="icon-button" aria-label={tc("close")} onClick={() => close(true)}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-foot">{footer}</footer>}
        {asking && guard && (
          <Confirm
            title={guard.title}
            message={guard.message}
            confirmLabel={guard.confirmLabel}
            danger
            onCancel={() => setAsking(false)}
            onConfirm={() => {
              setAsking(false);
              props.onClose();
            }}
          />
        )}
      </div>
    </div>
  );
}

/** Asks before something destructive. */
export function Confirm(props: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("shell");
  return (
    <Modal
      title={props.title}
      onClose={props.onCancel}
      footer={
        <>
          <button type="button" onClick={props.onCancel}>
            {t("modal.keep")}
          </button>
          <button type="button" className={props.danger ? "danger" : "primary"} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </>
      }
    >
      <p>{props.message}</p>
    </Modal>
  );
}
