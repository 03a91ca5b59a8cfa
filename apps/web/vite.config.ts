import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Two pages, one build: the console (/console/) and the demo marketplace (/app/), served by the server
// from dist/. Workspace packages are read from their TypeScript sources ("source" condition).
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  resolve: { conditions: ["source"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: {
        console: resolve(import.meta.dirname, "console/index.html"),
        app: resolve(import.meta.dirname, "app/index.html"),
      },
    },
  },
});
