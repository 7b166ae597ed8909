// For component tests: typing into an input as a person does (React sees an input event), and finding a
// button by its text or a dialog by its accessible name.
import { act } from "react";

export function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const set = Object.getOwnPropertyDescriptor(proto, "value")?.set;
  act(() => {
    set?.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
}

export function findButton(text: string, scope: ParentNode = document): HTMLButtonElement {
  const b = [...scope.querySelectorAll("button")].find((x) => x.textContent === text);
  if (!b) throw new Error(`no button ${text}`);
  return b;
}

export function findDialog(name: string): HTMLElement {
  const d = [...document.querySelectorAll('[role="dialog"]')].find((x) => x.getAttribute("aria-label") === name);
  if (!(d instanceof HTMLElement)) throw new Error(`no dialog ${name}`);
  return d;
}
