// What makes an element a modal dialog for the keyboard: on open the focus moves into it (its first
// field, else its first button), Tab and Shift+Tab cycle inside it, Escape asks it to close, and on
// close the focus goes back where it was. Only the innermost of nested dialogs hears the keys.
import { useEffect, useRef, type RefObject } from "react";

/** Open dialogs, innermost last. */
const openDialogs: object[] = [];

/** Where the focus goes on open: the first control of the dialog's body, else its first button. */
function firstFocus(box: HTMLElement): HTMLElement | null {
  return box.querySelector<HTMLElement>(".modal-body :is(input, select, textarea, button)") ?? box.querySelector("button");
}

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "summary",
  "[tabindex]:not([tabindex='-1'])",
].join(", ");

/** Moves the focus from one end of `box` to the other when Tab would leave it. */
function keepTabInside(box: HTMLElement, e: KeyboardEvent) {
  const candidates = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
  // Only what is rendered (not in a closed <details>); without layout (tests) every candidate.
  const rendered = candidates.filter((el) => el.getClientRects().length > 0);
  const all = rendered.length > 0 ? rendered : candidates;
  if (all.length === 0) return;
  const first = all[0];
  const last = all[all.length - 1];
  const active = document.activeElement;
  const inside = active instanceof Node && box.contains(active);
  if (e.shiftKey && (!inside || active === first)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (!inside || active === last)) {
    e.preventDefault();
    first.focus();
  }
}

export function useDialog(ref: RefObject<HTMLElement | null>, onEscape: () => void) {
  const escape = useRef(onEscape);
  useEffect(() => {
    escape.current = onEscape;
  });
  useEffect(() => {
    const me = {};
    openDialogs.push(me);
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const onKey = (e: KeyboardEvent) => {
      if (openDialogs[openDialogs.length - 1] !== me) return;
      if (e.key === "Escape") {
        e.preventDefault();
        escape.current();
      } else if (e.key === "Tab" && ref.current) keepTabInside(ref.current, e);
    };
    window.addEventListener("keydown", onKey);
    if (ref.current) firstFocus(ref.current)?.focus();
    return () => {
      window.removeEventListener("keydown", onKey);
      openDialogs.splice(openDialogs.indexOf(me), 1);
      if (previous?.isConnected) previous.focus();
    };
  }, [ref]);
}
