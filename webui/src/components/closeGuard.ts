// What a dialog holding unsaved work asks before it closes (see Modal's `guard`), and the question for
// a form with unsaved changes.
import type { ReactNode } from "react";
import { i18n } from "../i18n";

export interface CloseGuard {
  title: string;
  message: ReactNode;
  /** The button that closes the dialog anyway; the other one, "Keep", keeps it open. */
  confirmLabel: string;
  /** The × asks too. Otherwise only Escape asks: the ×, like Cancel, is a deliberate close. */
  closeButton?: boolean;
}

/** The question of a form dialog with unsaved changes; none while it has none. */
export function unsavedGuard(dirty: boolean): CloseGuard | undefined {
  if (!dirty) return undefined;
  return { title: i18n.t("shell:modal.unsavedTitle"), message: i18n.t("shell:modal.unsavedMessage"), confirmLabel: i18n.t("discard") };
}
