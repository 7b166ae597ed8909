import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema } from "@gen/v1/config_pb";
import { StatusSchema } from "@gen/cairn/v1/cairn_pb";
import type { ConfigState } from "../state/config";

vi.mock("../api/client", () => ({ cairn: { getStatus: vi.fn() } }));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
import { cairn } from "../api/client";
import { ServerNotices } from "./ServerNotices";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;

function configAt(modno: number): ConfigState {
  const noop = () => Promise.reject(new Error("unused"));
  return { config: create(ConfigSchema, { modno }), error: null, reload: noop, save: noop, replace: () => undefined };
}

async function mount(modno: number) {
  state.current = configAt(modno);
  await act(async () => root.render(<ServerNotices />));
}

beforeEach(() => {
  container = document.createElement("div");
  document.body.appendChild(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.mocked(cairn.getStatus).mockReset();
});

describe("ServerNotices", () => {
  it("names each config warning's field and offers importing Backrest's history", async () => {
    vi.mocked(cairn.getStatus).mockResolvedValue(
      create(StatusSchema, {
        configWarnings: [{ path: "plans[0].paths[0]", message: '"docs" is relative' }],
        backrestHistory: "/home/u/.local/share/backrest",
      }),
    );
    await mount(3);
    expect(container.querySelector(".config-warnings")?.textContent).toContain('plans[0].paths[0]: "docs" is relative');
    expect(container.querySelector(".backrest-history")?.textContent).toContain("cairn import-backrest /home/u/.local/share/backrest");
  });

  it("shows nothing when there is nothing to say, and asks again when the config changes", async () => {
    vi.mocked(cairn.getStatus).mockResolvedValue(create(StatusSchema, {}));
    await mount(3);
    expect(container.textContent).toBe("");
    await mount(4);
    expect(cairn.getStatus).toHaveBeenCalledTimes(2);
  });
});
