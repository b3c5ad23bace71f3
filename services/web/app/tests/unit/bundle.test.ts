// The first load carries only what the first page needs: the build is made in memory with the
// project's own config, and the entry's static import closure (what index.html loads) is
// checked for pages, the Khmer catalogue and react-aria; each kind of user's pages share no
// chunk with another's, so an investigator never downloads the legal pages.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
type Chunk = Rollup.OutputChunk;
let chunks: Map<string, Chunk>;
let html = "";

beforeAll(async () => {
  const out = (await build({
    root: ROOT,
    configFile: join(ROOT, "vite.config.ts"),
    logLevel: "silent",
    build: { write: false },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const outputs = Array.isArray(out) ? out : [out];
  chunks = new Map();
  for (const o of outputs)
    for (const c of o.output) {
      if (c.type === "chunk") chunks.set(c.fileName, c);
      else if (c.fileName === "index.html") html = String(c.source);
    }
}, 60_000);

/** What index.html loads (its scripts and module preloads) and all they import statically. */
function firstLoad(): Chunk[] {
  const named = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  if (named.length === 0) throw new Error("index.html loads no script");
  const seen = new Map<string, Chunk>();
  const visit = (c: Chunk) => {
    if (seen.has(c.fileName)) return;
    seen.set(c.fileName, c);
    for (const i of c.imports) visit(chunks.get(i)!);
  };
  for (const n of named) visit(chunks.get(n)!);
  return [...seen.values()];
}

const ROLE_PAGES = { intake: "/src/pages/intake/", investigation: "/src/pages/investigation/", legal: "/src/pages/legal/" };
const posix = (id: string) => id.replaceAll("\\", "/");

describe("the first load", () => {
  it("holds no page of any kind of user, no Khmer catalogue and no react-aria", () => {
    const ids = firstLoad().flatMap((c) => c.moduleIds.map(posix));
    expect(ids.some((id) => id.endsWith("/src/main.tsx"))).toBe(true);
    expect(ids.some((id) => id.endsWith("/src/pages/Home.tsx"))).toBe(true);
    for (const dir of Object.values(ROLE_PAGES)) expect(ids.filter((id) => id.includes(dir))).toEqual([]);
    expect(ids.filter((id) => id.endsWith("/src/i18n/km.ts"))).toEqual([]);
    expect(ids.filter((id) => /react-aria|@react-stately|@react-aria/.test(id))).toEqual([]);
  });

  it("is a handful of files, not one per shared module", () => {
    expect(firstLoad().length).toBeLessThanOrEqual(8);
  });
});

describe("each kind of user's pages", () => {
  it("share no chunk with another kind's pages", () => {
    for (const c of chunks.values()) {
      const roles = Object.entries(ROLE_PAGES)
        .filter(([, dir]) => c.moduleIds.some((id) => posix(id).includes(dir)))
        .map(([role]) => role);
      expect(roles.length, `${c.fileName} holds the pages of ${roles.join(" and ")}`).toBeLessThanOrEqual(1);
    }
  });
});
