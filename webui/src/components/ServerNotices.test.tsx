import { afterEach, describe, expect, it, vi } from "vitest";
import { act } from "react";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema } from "@gen/v1/config_pb";
import { StatusSchema } from "@gen/cairn/v1/cairn_pb";
import type { ConfigState } from "../state/config";

vi.mock("../api/client", () => ({ cairn: { getStatus: vi.fn() } }));
const state: { current: ConfigState | null } = { current: null };
vi.mock("../state/config", () => ({ useConfig: () => state.current }));
import { cairn } from "../api/client";
import { ServerNotices } from "./ServerNotices";
import { renderedScreen } from "../testing/screen";

const screen = renderedScreen();

function configAt(modno: number): ConfigState {
  const noop = () => Promise.reject(new Error("unused"));
  return { config: create(ConfigSchema, { modno }), error: null, reload: noop, save: noop, replace: () => undefined };
}

async function mount(modno: number) {
  state.current = configAt(modno);
  await act(async () => screen.root.render(<ServerNotices />));
}

afterEach(() => {
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
    expect(screen.container.querySelector(".config-warnings")?.textContent).toContain('plans[0].paths[0]: "docs" is relative');
    expect(screen.container.querySelector(".backrest-history")?.textContent).toContain(
      "cairn import-backrest /home/u/.local/share/backrest",
    );
  });

  it("shows nothing when there is nothing to say, and asks again when the config changes", async () => {
    vi.mocked(cairn.getStatus).mockResolvedValue(create(StatusSchema, {}));
    await mount(3);
    expect(screen.container.textContent).toBe("");
    await mount(4);
    expect(cairn.getStatus).toHaveBeenCalledTimes(2);
  });
});
