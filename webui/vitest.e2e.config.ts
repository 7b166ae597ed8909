// End-to-end tests: a real `cairn serve` (the binary cargo built), a real restic repository, and
// Debian's chromium driven by playwright-core. One file, run in order: each step builds on the last.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
