import { describe, expect, it, vi } from "vitest";
import { act, useState } from "react";
import { Modal } from "./Modal";
import { unsavedGuard, type CloseGuard } from "./closeGuard";
import { renderedScreen } from "../testing/screen";

const screen = renderedScreen();

function key(k: string, shiftKey = false) {
  act(() => {
    window.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, cancelable: true }));
  });
}

function button(name: string, scope: ParentNode = document): HTMLButtonElement {
  const b = [...scope.querySelectorAll("button")].filter((x) => (x.getAttribute("aria-label") ?? x.textContent) === name);
  if (b.length !== 1) throw new Error(`${b.length} buttons ${name}`);
  return b[0];
}

const dialogs = () => [...document.querySelectorAll('[role="dialog"]')].map((d) => d.getAttribute("aria-label"));

/** A page with a button opening a dialog (and, inside it, a nested one). */
function Page(props: { guard?: CloseGuard; onClose?: () => void }) {
  const [open, setOpen] = useState(false);
  const [inner, setInner] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open && (
        <Modal
          title="Outer"
          guard={props.guard}
          onClose={() => {
            props.onClose?.();
            setOpen(false);
          }}
          footer={<button type="button">Last</button>}
        >
          <input aria-label="Name" />
          <button type="button" onClick={() => setInner(true)}>
            Nested
          </button>
          {inner && (
            <Modal title="Inner" onClose={() => setInner(false)}>
              <p>inside</p>
            </Modal>
          )}
        </Modal>
      )}
    </>
  );
}

function open(props: { guard?: CloseGuard; onClose?: () => void } = {}) {
  act(() => screen.root.render(<Page {...props} />));
  const opener = button("Open");
  act(() => opener.focus());
  act(() => opener.click());
  return opener;
}

describe("Modal", () => {
  it("moves the focus into the dialog, keeps Tab inside it, and gives it back on close", () => {
    const opener = open();
    const name = document.querySelector<HTMLInputElement>('[aria-label="Name"]');
    expect(document.activeElement).toBe(name);
    act(() => button("Last").focus());
    key("Tab");
    expect(document.activeElement).toBe(button("Close"));
    key("Tab", true);
    expect(document.activeElement).toBe(button("Last"));
    key("Escape");
    expect(dialogs()).toEqual([]);
    expect(document.activeElement).toBe(opener);
  });

  it("stays open on a click beside it", () => {
    open();
    const backdrop = document.querySelector(".modal-backdrop") as HTMLElement;
    act(() => {
      backdrop.dispatchEvent(new MouseEvent("mousedown", { bubbles: true }));
      backdrop.click();
    });
    expect(dialogs()).toEqual(["Outer"]);
  });

  it("closes only the innermost dialog on Escape", () => {
    open();
    act(() => {
      button("Nested").focus();
      button("Nested").click();
    });
    expect(dialogs()).toEqual(["Outer", "Inner"]);
    key("Escape");
    expect(dialogs()).toEqual(["Outer"]);
    expect(document.activeElement).toBe(button("Nested"));
  });

  it("asks before Escape throws unsaved changes away; the × closes at once", () => {
    const onClose = vi.fn();
    open({ guard: unsavedGuard(true), onClose });
    key("Escape");
    expect(dialogs()).toEqual(["Outer", "Unsaved changes"]);
    act(() => button("Keep").click());
    expect(dialogs()).toEqual(["Outer"]);
    key("Escape");
    key("Escape"); // Escape in the question keeps the dialog too.
    expect(dialogs()).toEqual(["Outer"]);
    key("Escape");
    act(() => button("Discard").click());
    expect(dialogs()).toEqual([]);
    expect(onClose).toHaveBeenCalledTimes(1);

    open({ guard: unsavedGuard(true), onClose });
    act(() => button("Close").click());
    expect(dialogs()).toEqual([]);
  });

  it("asks on the × too when the guard says so", () => {
    open({ guard: { title: "Sure?", message: "Gone for good.", confirmLabel: "Dismiss", closeButton: true } });
    act(() => button("Close").click());
    expect(dialogs()).toEqual(["Outer", "Sure?"]);
    act(() => button("Dismiss").click());
    expect(dialogs()).toEqual([]);
  });

  it("closes at once without unsaved changes", () => {
    open({ guard: unsavedGuard(false) });
    key("Escape");
    expect(dialogs()).toEqual([]);
  });
});
