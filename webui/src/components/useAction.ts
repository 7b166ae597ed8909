// Runs a button's API call once at a time: tracks that it is busy and reports its outcome as a toast.
import { useCallback, useState } from "react";
import { errorMessage } from "../api/errors";
import { notify } from "./Toasts";

export function useAction<A extends unknown[]>(
  fn: (...args: A) => Promise<unknown>,
  success?: string,
): [(...args: A) => Promise<boolean>, boolean] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      try {
        await fn(...args);
        if (success) notify(success);
        return true;
      } catch (e) {
        notify(errorMessage(e), "err");
        return false;
      } finally {
        setBusy(false);
      }
    },
    [fn, success],
  );
  return [run, busy];
}
