// The text controls of a hook's action fields: a one-line input and a template textarea, both taking
// the id of the field they sit in.
import { useFieldId } from "../Field";

export function TextInput(props: { value: string; onChange: (v: string) => void; placeholder?: string; type?: string }) {
  const id = useFieldId();
  return (
    <input
      id={id}
      type={props.type ?? "text"}
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
      value={props.value}
      placeholder={props.placeholder ?? "{{ .Summary }}"}
      spellCheck={false}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}
