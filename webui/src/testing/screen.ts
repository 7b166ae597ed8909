// For component tests: each test renders into a fresh container, and afterwards the screen is unmounted,
// mocks are cleared and the UI is back in English.
import { act, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, vi } from "vitest";
import { i18n } from "../i18n";

export interface Screen {
  readonly container: HTMLDivElement;
  readonly root: Root;
  /** Renders `node`, running its effects. */
  render(node: ReactNode): void;
  /** Unmounts what was rendered and starts a new root in the same container. */
  remount(): void;
}

/** Call at the top of a test file: sets up the container before each test and cleans up after it. */
export function renderedScreen(): Screen {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  let container = document.createElement("div");
  let root = createRoot(container);
  beforeEach(() => {
    container = document.createElement("div");
    document.body.appendChild(container);
    root = createRoot(container);
  });
  afterEach(async () => {
    act(() => root.unmount());
    container.remove();
    vi.clearAllMocks();
    await i18n.changeLanguage("en");
  });
  return {
    get container() {
      return container;
    },
    get root() {
      return root;
    },
    render: (node) => act(() => root.render(node)),
    remount() {
      act(() => root.unmount());
      root = createRoot(container);
    },
  };
}
