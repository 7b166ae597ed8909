// The "Change password" dialog: a user's new password, typed twice, set in the draft (saved with the
// settings, which ends the user's sessions).
import { useState } from "react";
import { Field } from "../../components/Field";
import { passwordProblem } from "../../lib/passwords";
import { ModalForm } from "./ModalForm";
import { useHashedPassword } from "./useHashedPassword";

export function ChangePasswordModal(props: { name: string; onClose: () => void; onSet: (hash: string) => void }) {
  const [pw, setPw] = useState("");
  const [pw2, setPw2] = useState("");
  const { error, busy, submit } = useHashedPassword(props.onClose);
  const mismatch = pw2 !== "" && pw !== pw2;

  return (
    <ModalForm
      title={`Change password of ${props.name}`}
      onClose={props.onClose}
      onSubmit={() => void submit(passwordProblem(pw, pw2), pw, props.onSet)}
      error={error}
      busy={busy}
      submitLabel="Set password"
      dirty={pw !== "" || pw2 !== ""}
      note="The new password takes effect when the settings are saved, and ends the user's sessions: if it is yours, you are asked to log in again."
    >
      <Field label="New password" hint="At least 8 characters.">
        <input type="password" value={pw} onChange={(e) => setPw(e.target.value)} autoComplete="new-password" />
      </Field>
      <Field label="Confirm password" error={mismatch ? "The passwords differ." : undefined}>
        <input type="password" value={pw2} onChange={(e) => setPw2(e.target.value)} autoComplete="new-password" />
      </Field>
    </ModalForm>
  );
}
