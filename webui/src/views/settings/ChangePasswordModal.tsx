// The "Change password" dialog: a user's new password, typed twice, set in the draft (saved with the
// settings, which ends the user's sessions).
import { useState } from "react";
import { Field } from "../../components/Field";
import { useTranslation } from "../../i18n";
import { passwordProblem } from "../../lib/passwords";
import { ModalForm } from "./ModalForm";
import { useHashedPassword } from "./useHashedPassword";

export function ChangePasswordModal(props: { name: string; onClose: () => void; onSet: (hash: string) => void }) {
  const { t } = useTranslation("settings");
  const [pw, setPw] = useState("");
  const [pw2, setPw2] = useState("");
  const { error, busy, submit } = useHashedPassword(props.onClose);
  const mismatch = pw2 !== "" && pw !== pw2;

  return (
    <ModalForm
      title={t("changePassword.title", { name: props.name })}
      onClose={props.onClose}
      onSubmit={() => void submit(passwordProblem(pw, pw2), pw, props.onSet)}
      error={error}
      busy={busy}
      submitLabel={t("changePassword.submit")}
      dirty={pw !== "" || pw2 !== ""}
      note={t("changePassword.note")}
    >
      <Field label={t("changePassword.password")} hint={t("passwordHint")}>
        <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" />
      </Field>
      <Field label={t("changePassword.confirm")} error={mismatch ? t("changePassword.mismatch") : undefined}>
        <input type="password" value={pw2} onChange={(e) => setPw2(e.target.value)} autoComplete="new-password" />
      </Field>
    </ModalForm>
  );
}
