import { afterEach, describe, expect, it } from "vitest";
import { act } from "react";
import { i18n } from "../i18n";
import { renderedScreen } from "../testing/screen";
import { LanguagePicker } from "./LanguagePicker";

const screen = renderedScreen();
afterEach(() => localStorage.clear());

function choose(select: HTMLSelectElement, value: string) {
  act(() => {
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

function picker(): HTMLSelectElement {
  const select = screen.container.querySelector("select");
  if (!select) throw new Error("no select");
  return select;
}

describe("the language picker", () => {
  it("switches the language at once, remembers it in this browser and marks the page", () => {
    screen.render(<LanguagePicker compact />);
    expect(picker().getAttribute("aria-label")).toBe("Language");
    choose(picker(), "hi");
    expect(i18n.language).toBe("hi");
    expect(localStorage.getItem("cairn.language")).toBe("hi");
    expect(document.documentElement.lang).toBe("hi");
    expect(picker().getAttribute("aria-label")).toBe("भाषा");
  });

  it("is a labelled field in Settings, its label naming the select", () => {
    screen.render(<LanguagePicker />);
    const label = screen.container.querySelector("label");
    expect(label?.textContent).toBe("Language");
    expect(label?.control).toBe(picker());
    choose(picker(), "zh");
    expect(screen.container.querySelector("label")?.textContent).toBe("语言");
  });
});
