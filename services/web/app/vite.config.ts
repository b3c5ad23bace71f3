import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The BFF serves dist/ with a strict Content-Security-Policy (no inline script or style):
// Vite's output is external files only, and the app sets no inline styles.
export default defineConfig({
  plugins: [react()],
  build: { sourcemap: false, target: "es2022", assetsInlineLimit: 0 },
  test: { include: ["tests/unit/**/*.test.ts", "tests/unit/**/*.test.tsx"], environment: "node" },
});
