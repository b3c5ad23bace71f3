import react from "@vitejs/plugin-react";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vitest/config";

const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;

/** Writes each text file's brotli and gzip forms beside it once the build is written, for the
 *  BFF to send as they are (services/web/src/homeward_web/entrypoints/static.py). At build
 *  time brotli can run at its best level (11), too slow per request; node's zlib does it, so
 *  no plugin dependency. A form no smaller than the file is not written. */
function precompress(): Plugin {
  let outDir = "dist";
  let write = true;
  return {
    name: "homeward-precompress",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
      write = config.build.write;
    },
    closeBundle() {
      if (!write) return; // an in-memory build (tests/unit/bundle.test.ts)
      const walk = (dir: string): string[] =>
        readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
      for (const file of walk(outDir).filter((f) => COMPRESSIBLE.test(f))) {
        const raw = readFileSync(file);
        const br = brotliCompressSync(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        });
        const gz = gzipSync(raw, { level: 9 });
        if (br.length < raw.length) writeFileSync(`${file}.br`, br);
        if (gz.length < raw.length) writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

// The BFF serves dist/ with a strict Content-Security-Policy (no inline script or style):
// Vite's output is external files only, and the app sets no inline styles.
export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    sourcemap: false,
    target: "es2022",
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 30 },
            { name: "router", test: /node_modules[\\/]react-router[\\/]/, priority: 30 },
            { name: "query", test: /node_modules[\\/]@tanstack[\\/]/, priority: 30 },
            { name: "i18n", test: /node_modules[\\/](i18next|react-i18next)[\\/]/, priority: 30 },
            // The app's own code for the first page in one file with the entry, not a file per
            // module that a lazy page shares (each is one more request at 400 ms).
            // (index.html then loads these files by <script type="module"> each, in order.)
            { name: "app", tags: ["$initial"], priority: 10 },
          ],
        },
      },
    },
  },
  test: { include: ["tests/unit/**/*.test.ts", "tests/unit/**/*.test.tsx"], environment: "node" },
});
