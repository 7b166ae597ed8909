// Small pieces the repository and plan forms share: a number input that can be cleared while typing, a
// labelled checkbox, the hint shown for a secret the server kept back, form sections, the error banner,
// the dialog shown while the config loads or when the edited item is gone, and the delete confirmation.
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import "../views/forms.css";
import { SECRET_PLACEHOLDER } from "../lib/passwords";
import { bannerText, type IdKind } from "../lib/formErrors";
import { i18n, useTranslation } from "../i18n";
import { FieldIdProvider, useFieldId } from "./Field";
import { Modal } from "./Modal";

export { SECRET_PLACEHOLDER };

export function NumberInput(props: {
  value: number;
  onChange: (n: number) => void;
  min?: number;
  max?: number;
  step?: number | "any";
  /** The number reported while the input is empty (default 0). */
  emptyValue?: number;
  placeholder?: string;
}) {
  const { value, onChange, emptyValue = 0 } = props;
  // The typed text is kept while it still means the current value, so "", "1." or "0.50" survive.
  const [draft, setDraft] = useState({ text: String(value), value });
  const text = draft.value === value ? draft.text : String(value);
  const id = useFieldId();
  return (
    <input
      id={id}
      type="number"
      inputMode="decimal"
      value={text}
      min={props.min}
      max={props.max}
      step={props.step ?? 1}
      placeholder={props.placeholder}
      onChange={(e) => {
        const t = e.target.value;
        const n = t.trim() === "" ? emptyValue : Number(t);
        if (Number.isNaN(n)) return;
        setDraft({ text: t, value: n });
        onChange(n);
      }}
    />
  );
}

/** A checkbox with its label beside it, an optional hint and error. */
export function Check(props: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  hint?: ReactNode;
  title?: string;
  error?: string;
}) {
  return (
    <div className={`field field-check${props.error ? " field-invalid" : ""}`}>
      <label title={props.title}>
        <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
        <span className="field-label">{props.label}</span>
      </label>
      {props.hint && <div className="field-hint">{props.hint}</div>}
      {props.error && (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

/** The hint for a secret field still holding the placeholder. */
export function secretHint(value: string, otherwise?: ReactNode): ReactNode {
  return value === SECRET_PLACEHOLDER ? i18n.t("shell:form.secretKept") : otherwise;
}

/** A titled part of a long form. */
export function FormSection(props: { title: string; children: ReactNode; hint?: ReactNode }) {
  return (
    <section className="form-section">
      <h3>{props.title}</h3>
      {props.hint && <p className="field-hint form-section-hint">{props.hint}</p>}
      <div className="stack">{props.children}</div>
    </section>
  );
}

/**
 * A labelled control with buttons beside it. The buttons sit outside the label, so the control's
 * accessible name is the label alone.
 */
export function FieldWithActions(props: { label: string; error?: string; hint?: ReactNode; children: ReactNode; actions: ReactNode }) {
  const id = useId();
  return (
    <div className={`field${props.error ? " field-invalid" : ""}`}>
      <label htmlFor={id} className="field-label">
        {props.label}
      </label>
      <div className="inline-field">
        <FieldIdProvider id={id}>{props.children}</FieldIdProvider>
        <div className="inline-actions">{props.actions}</div>
      </div>
      {props.hint && <div className="field-hint">{props.hint}</div>}
      {props.error && (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

/**
 * A function with a fixed identity that always calls the latest `fn`, for handlers a child keeps
 * (e.g. in an effect) without re-running it whenever the parent re-renders.
 */
export function useStableCallback<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  const ref = useRef(fn);
  useLayoutEffect(() => {
    ref.current = fn;
  });
  return useCallback((...args: A) => ref.current(...args), []);
}

/** The error banner over a form, brought into view whenever its text changes. */
export function FormBanner(props: { text: string | null }) {
  const { text } = props;
  // Subscribes to the language, in which bannerText words the banners that point at the marked fields.
  useTranslation("shell");
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (text) ref.current?.scrollIntoView?.({ block: "nearest" });
  }, [text]);
  if (!text) return null;
  return (
    <div className="banner banner-error banner-lines" role="alert" ref={ref}>
      {bannerText(text)}
    </div>
  );
}

const GONE = { plan: "form.gonePlan", repository: "form.goneRepository" } as const;

/** What a form dialog shows instead of its fields: the config still loading, or the edited item gone. */
export function FormUnavailable(props: { title: string; onClose: () => void; missing?: { kind: IdKind; id: string } }) {
  const { missing } = props;
  const { t } = useTranslation("shell");
  return (
    <Modal title={props.title} onClose={props.onClose}>
      {missing ? (
        <div className="banner banner-error" role="alert">
          {t(GONE[missing.kind], { id: missing.id })}
        </div>
      ) : (
        <p className="muted">{t("form.loadingConfig")}</p>
      )}
    </Modal>
  );
}

/**
 * Whether a form dialog's delete confirmation is open, and the dialog's close: while the confirmation
 * is open, closing is its to handle, so the form stays.
 */
export function useDeleteConfirmation(onClose: () => void) {
  const [confirming, setConfirming] = useState(false);
  const close = useStableCallback(() => {
    if (!confirming) onClose();
  });
  const cancel = useStableCallback(() => setConfirming(false));
  return { confirming, setConfirming, close, cancel };
}
