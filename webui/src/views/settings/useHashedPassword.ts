// Submitting a password dialog: the dialog's own check first, then the password hashed on the server
// (HashPassword, as the config stores it) and handed to the draft; the dialog closes once it is.
import { useState } from "react";
import { authentication } from "../../api/client";
import { errorMessage } from "../../api/errors";

export function useHashedPassword(onClose: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  /** Shows `problem` if there is one; otherwise hashes `password` and gives the hash to `apply`. */
  const submit = async (problem: string | null, password: string, apply: (hash: string) => void) => {
    if (problem) return setError(problem);
    setBusy(true);
    try {
      const r = await authentication.hashPassword({ value: password });
      apply(r.value);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return { error, busy, submit };
}
