// The repository password: hidden or shown, generated on request, and the stored one kept while the
// field still holds the server's placeholder.
import { useState } from "react";
import { FieldWithActions, SECRET_PLACEHOLDER } from "../../components/FormKit";
import { generatePassword } from "../repoUri";

function passwordHint(password: string, editing: boolean): string {
  if (password === SECRET_PLACEHOLDER) {
    return "The stored password is kept unless you type a new one. Changing it here does not change the repository's key.";
  }
  return editing
    ? "The password cairn opens the repository with."
    : "Keep a copy somewhere safe: without it the backups cannot be read. To import an existing repository, give its password.";
}

export function PasswordField(props: { value: string; error?: string; editing: boolean; onChange: (password: string) => void }) {
  const [shown, setShown] = useState(false);
  return (
    <FieldWithActions
      label="Password"
      error={props.error}
      hint={passwordHint(props.value, props.editing)}
      actions={
        <>
          <button type="button" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
            {shown ? "Hide" : "Show"}
          </button>
          <button
            type="button"
            onClick={() => {
              props.onChange(generatePassword());
              setShown(true);
            }}
          >
            Generate
          </button>
        </>
      }
    >
      <input
        type={shown ? "text" : "password"}
        className="mono"
        value={props.value}
        autoComplete="new-password"
        spellCheck={false}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </FieldWithActions>
  );
}
