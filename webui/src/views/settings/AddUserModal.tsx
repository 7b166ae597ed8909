// The "Add user" dialog: a new user's name and password, added to the draft (saved with the settings).
import { useState } from "react";
import { Field } from "../../components/Field";
import { passwordProblem, userNameProblem } from "../../lib/passwords";
import { ModalForm } from "./ModalForm";
import { useHashedPassword } from "./useHashedPassword";

export function AddUserModal(props: { existing: string[]; onClose: () => void; onAdd: (name: string, hash: string) => void }) {
  const [name, setName] = useState("");
  const [pw, setPw] = useState("");
  const { error, busy, submit } = useHashedPassword(props.onClose);

  const add = () => {
    const n = name.trim();
    void submit(userNameProblem(n, props.existing) ?? passwordProblem(pw, pw), pw, (hash) => props.onAdd(n, hash));
  };

  return (
    <ModalForm
      title="Add user"
      onClose={props.onClose}
      onSubmit={add}
      error={error}
      busy={busy}
      submitLabel="Add"
      dirty={name !== "" || pw !== ""}
      note="The user is added when the settings are saved."
    >
      <Field label="User name">
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" autoCapitalize="off" />
      </Field>
      <Field label="Password" hint="At least 8 characters.">
        <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" />
      </Field>
    </ModalForm>
  );
}
