// A text input for a path on the server, suggesting the entries of the directory being typed
// (PathAutocomplete), completed from a list as a person types.
import { useEffect, useId, useState } from "react";
import { backrest } from "../api/client";
import { useFieldId } from "./Field";

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i + 1);
}

export function PathInput(props: { value: string; onChange: (v: string) => void; placeholder?: string; "aria-label"?: string }) {
  const listId = useId();
  const id = useFieldId();
  const [options, setOptions] = useState<string[]>([]);
  const dir = props.value.startsWith("/") ? parentOf(props.value) : "";

  useEffect(() => {
    if (!dir) {
      setOptions([]);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      backrest
        .pathAutocomplete({ value: dir })
        .then((r) => {
          if (live) setOptions(r.values.map((name) => (dir.endsWith("/") ? dir : dir + "/") + name));
        })
        .catch(() => live && setOptions([]));
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [dir]);

  return (
    <>
      <input
        id={id}
        type="text"
        value={props.value}
        placeholder={props.placeholder}
        aria-label={props["aria-label"]}
        list={listId}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => props.onChange(e.target.value)}
      />
      <datalist id={listId}>
        {options.slice(0, 200).map((o) => (
          <option key={o} value={o} />
        ))}
      </datalist>
    </>
  );
}
