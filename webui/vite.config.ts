// Builds the single-page app. cairn's build script sets CAIRN_WEBUI_OUT to a folder under cargo's
// OUT_DIR, which the binary embeds; `npm run build` alone writes dist/.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  base: "./",
  resolve: { alias: { "@gen": fileURLToPath(new URL("./gen", import.meta.url)) } },
  esbuild: { jsx: "automatic" },
  build: {
    outDir: process.env.CAIRN_WEBUI_OUT ?? "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1024,
    assetsInlineLimit: 8192,
  },
  server: {
    // `npm run dev` proxies the API to a cairn running on the default port.
    proxy: {
      "/v1.": "http://127.0.0.1:9898",
      "/cairn.v1.": "http://127.0.0.1:9898",
      "/download": "http://127.0.0.1:9898",
    },
  },
});
