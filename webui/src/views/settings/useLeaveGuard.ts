// Keeps unsaved settings from being lost by leaving the page: while `dirty`, closing or reloading the
// tab makes the browser ask, and a hash navigation (a link, Back) is undone and held until the person
// answers: `stay` keeps the page, `leave` goes where they were headed.
import { useCallback, useEffect, useRef, useState } from "react";

export interface LeaveGuard {
  /** The address a navigation was headed for, held while the person is asked; null when none is. */
  pending: string | null;
  stay: () => void;
  leave: () => void;
}

export function useLeaveGuard(dirty: boolean): LeaveGuard {
  const [pending, setPending] = useState<string | null>(null);
  const letThrough = useRef(false);

  useEffect(() => {
    if (!dirty) return;
    const onUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = ""; // older browsers ask only when this is set
    };
    // Capturing, so it runs before the router hears the change (and stops it hearing it).
    const onHash = (e: HashChangeEvent) => {
      if (letThrough.current) return;
      e.stopImmediatePropagation();
      history.replaceState(history.state, "", e.oldURL);
      setPending(e.newURL);
    };
    window.addEventListener("beforeunload", onUnload);
    window.addEventListener("hashchange", onHash, true);
    return () => {
      window.removeEventListener("beforeunload", onUnload);
      window.removeEventListener("hashchange", onHash, true);
    };
  }, [dirty]);

  const stay = useCallback(() => setPending(null), []);

  const leave = useCallback(() => {
    if (pending === null) return;
    const from = location.href;
    setPending(null);
    history.replaceState(history.state, "", pending);
    letThrough.current = true;
    try {
      window.dispatchEvent(new HashChangeEvent("hashchange", { oldURL: from, newURL: pending }));
    } finally {
      letThrough.current = false;
    }
  }, [pending]);

  return { pending, stay, leave };
}
