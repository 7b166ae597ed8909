// The "Add user" dialog: a new user's name and password, added to the draft (saved with the settings).
import { useState } from "react";
import { Field } from "../../components/Field";
import { useTranslation } from "../../i18n";
import { passwordProblem, userNameProblem } from "../../lib/passwords";
import { ModalForm } from "./ModalForm";
import { useHashedPassword } from "./useHashedPassword";

export function AddUserModal(props: { existing: string[]; onClose: () => void; onAdd: (name: string, hash: string) => void }) {
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const [name, setName] = useState("");
  const [pw, setPw] = useState("");
  const { error, busy, submit } = useHashedPassword(props.onClose);

  const add = () => {
    const n = name.trim();
    void submit(userNameProblem(n, props.existing) ?? passwordProblem(pw, pw), pw, (hash) => props.onAdd(n, hash));
  };

  return (
    <ModalForm
      title={t("addUser.title")}
      onClose={props.onClose}
      onSubmit={add}
      error={error}
      busy={busy}
      submitLabel={tc("add")}
      dirty={name !== "" || pw !== ""}
      note={t("addUser.note")}
    >
      <Field label={t("addUser.name")}>
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoCapitalize="off" />
      </Field>
      <Field label={t("addUser.password")} hint={t("passwordHint")}>
        <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" />
      </Field>
    </ModalForm>
  );
}
