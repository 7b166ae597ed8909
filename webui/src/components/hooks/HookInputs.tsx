// The text controls of a hook's action fields: a one-line input and a template textarea, both taking
// the id of the field they sit in. Both hold data (addresses, tokens, templates), never translated; so
// does what NoTranslate wraps.
import type { ReactNode } from "react";
import { useFieldId } from "../Field";

export function TextInput(props: { value: string; onChange: (v: string) => void; placeholder?: string; type?: string }) {
  const id = useFieldId();
  return (
    <input
      id={id}
      type={props.type ?? "text"}
      translate="no"
      value={props.value}
      placeholder={props.placeholder}
      spellCheck={false}
      autoComplete="off"
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

export function TemplateInput(props: { value: string; onChange: (v: string) => void; rows?: number; placeholder?: string }) {
  const id = useFieldId();
  return (
    <textarea
      id={id}
      rows={props.rows ?? 3}
      translate="no"
      value={props.value}
      placeholder={props.placeholder ?? "{{ .Summary }}"}
      spellCheck={false}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

/**
 * Marks a control holding data (paths, patterns, flags, addresses) as not to be translated, for
 * controls that take no `translate` attribute themselves; it adds no box to the layout.
 */
export function NoTranslate(props: { children: ReactNode }) {
  return (
    <div translate="no" style={{ display: "contents" }}>
      {props.children}
    </div>
  );
}
