// The repository password: hidden or shown, generated on request, and the stored one kept while the
// field still holds the server's placeholder.
import { useState } from "react";
import { FieldWithActions, SECRET_PLACEHOLDER } from "../../components/FormKit";
import { useTranslation } from "../../i18n";
import { generatePassword } from "../repoUri";

function passwordHint(password: string, editing: boolean) {
  if (password === SECRET_PLACEHOLDER) return "password.hintStored";
  return editing ? "password.hintEditing" : "password.hintNew";
}

export function PasswordField(props: { value: string; error?: string; editing: boolean; onChange: (password: string) => void }) {
  const { t } = useTranslation("repos");
  const { t: tc } = useTranslation("common");
  const [shown, setShown] = useState(false);
  return (
    <FieldWithActions
      label={t("password.label")}
      error={props.error}
      hint={t(passwordHint(props.value, props.editing))}
      actions={
        <>
          <button type="button" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
            {shown ? tc("hide") : tc("show")}
          </button>
          <button
            type="button"
            onClick={() => {
              props.onChange(generatePassword());
              setShown(true);
            }}
          >
            {t("password.generate")}
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
        translate="no"
        onChange={(e) => props.onChange(e.target.value)}
      />
    </FieldWithActions>
  );
}
