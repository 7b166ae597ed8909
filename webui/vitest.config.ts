// Unit tests of the UI's logic (beside the code, *.test.ts / *.test.tsx), in jsdom.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@gen": fileURLToPath(new URL("./gen", import.meta.url)) } },
  esbuild: { jsx: "automatic" },
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "jsdom",
  },
});
