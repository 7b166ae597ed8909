// Unit tests of the UI's logic (beside the code, *.test.ts / *.test.tsx), in jsdom.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@gen": fileURLToPath(new URL("./gen", import.meta.url)) } },
  esbuild: { jsx: "automatic" },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "jsdom",
    // The translation tests walk the whole rendered DOM after every step; on a loaded 2-core CI
    // machine one of them took 5.3 s, past vitest's 5 s default. A hang still fails at 20 s.
    testTimeout: 20_000,
  },
});
