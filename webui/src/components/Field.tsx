// A labelled form field: the label wraps the control (so it is the control's accessible name), with an
// optional hint and the server's or the form's error for it, announced as an alert.
import { cloneElement, createContext, isValidElement, useContext, useId, type ReactNode } from "react";

const FieldId = createContext<string | undefined>(undefined);

/** The id a control inside a `Field` must carry so the field's label names it (custom controls call this). */
export function useFieldId(): string | undefined {
  return useContext(FieldId);
}

/**
 * A labelled form field: the label names the control through `for`/`id` (so its accessible name is the
 * label alone, not the label plus the control's value), with an optional hint and the server's or the
 * form's error for it, announced as an alert. A plain input, select or textarea gets the id here; a
 * custom control reads it with `useFieldId`.
 */
export function Field(props: { label: string; error?: string; hint?: ReactNode; children: ReactNode; inline?: boolean }) {
  const id = useId();
  const errorId = `${id}-error`;
  const child =
    isValidElement<{ id?: string; "aria-describedby"?: string }>(props.children) && typeof props.children.type === "string"
      ? cloneElement(props.children, { id, "aria-describedby": props.error ? errorId : undefined })
      : props.children;
  return (
    <div className={`field${props.error ? " field-invalid" : ""}${props.inline ? " field-inline" : ""}`}>
      <label htmlFor={id} className="field-label">
        {props.label}
      </label>
      <FieldId.Provider value={id}>{child}</FieldId.Provider>
      {props.hint && <div className="field-hint">{props.hint}</div>}
      {props.error && (
        <div className="field-error" role="alert" id={errorId}>
          {props.error}
        </div>
      )}
    </div>
  );
}

/** A list of strings edited one per line (paths, excludes, flags, env): data, so never translated. */
export function LinesInput(props: { value: string[]; onChange: (v: string[]) => void; placeholder?: string; rows?: number }) {
  const id = useFieldId();
  return (
    <textarea
      id={id}
      rows={props.rows ?? Math.max(2, props.value.length + 1)}
      value={props.value.join("\n")}
      placeholder={props.placeholder}
      translate="no"
      spellCheck={false}
      onChange={(e) => props.onChange(e.target.value.split("\n"))}
      onBlur={(e) =>
        props.onChange(
          e.target.value
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean),
        )
      }
    />
  );
}

/** Gives a custom control's children the id of a label rendered elsewhere (see `FieldWithActions`). */
export function FieldIdProvider(props: { id: string; children: ReactNode }) {
  const child =
    isValidElement<{ id?: string }>(props.children) && typeof props.children.type === "string"
      ? cloneElement(props.children, { id: props.id })
      : props.children;
  return <FieldId.Provider value={props.id}>{child}</FieldId.Provider>;
}
