// Lists are fetched ahead into the query cache (src/pages/lists.ts); the query cache must
// never hold a personal value, so no field of these answers may be marked x-personal in the
// services' documents, however deep.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LIST_SOURCES } from "../../src/pages/lists";

const DOCS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "..", "docs", "openapi");
type Schema = Record<string, unknown>;

function personalFields(doc: { components: { schemas: Record<string, Schema> } }, schema: unknown, path: string, seen: Set<string>): string[] {
  if (!schema || typeof schema !== "object") return [];
  const s = schema as Schema;
  const out: string[] = s["x-personal"] ? [path] : [];
  if (typeof s.$ref === "string") {
    const name = s.$ref.split("/").pop()!;
    if (!seen.has(name)) out.push(...personalFields(doc, doc.components.schemas[name], path, new Set([...seen, name])));
  }
  for (const [k, v] of Object.entries((s.properties as Record<string, unknown>) ?? {})) out.push(...personalFields(doc, v, `${path}.${k}`, seen));
  for (const k of ["items", "additionalProperties"]) out.push(...personalFields(doc, s[k], `${path}[]`, seen));
  for (const k of ["anyOf", "oneOf", "allOf"]) for (const v of (s[k] as unknown[]) ?? []) out.push(...personalFields(doc, v, path, seen));
  return out;
}

describe("lists fetched ahead", () => {
  it("hold no personal field", () => {
    for (const [name, { service, path }] of Object.entries(LIST_SOURCES)) {
      const doc = JSON.parse(readFileSync(join(DOCS, `${service}.json`), "utf8"));
      const answer = doc.paths[path].get.responses["200"].content["application/json"].schema;
      expect(answer, name).toBeTruthy();
      expect(personalFields(doc, answer, name, new Set()), name).toEqual([]);
    }
  });

  it("would catch a personal field (the walk is not vacuous)", () => {
    const doc = JSON.parse(readFileSync(join(DOCS, "investigation.json"), "utf8"));
    const withPersonal = Object.keys(doc.components.schemas).filter(
      (n) => personalFields(doc, { $ref: `#/components/schemas/${n}` }, n, new Set()).length > 0,
    );
    expect(withPersonal.length).toBeGreaterThan(0);
  });
});
