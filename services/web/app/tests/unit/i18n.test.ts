import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/api/errors";
import * as intake from "../../src/api/gen/intake";
import * as investigation from "../../src/api/gen/investigation";
import { en } from "../../src/i18n/en";
import { km } from "../../src/i18n/km";
import { LANGUAGES, LEAD_REASONS, NATIONALITIES, PLACEMENT_REASONS, PROVINCES } from "../../src/lib/codes";

function flatten(o: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v as object, key)) out.set(kk, vv);
  }
  return out;
}

const EN = flatten(en);
const KM = flatten(km);
const KHMER = /[\u1780-\u17FF]/;
// Words that are the same in both: the product's name, and each language's own name.
const SAME = new Set(["app.name", "lang.en", "lang.km"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "gen" ? [] : sources(p);
    return /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe("catalogues", () => {
  it("have the same keys in English and Khmer", () => {
    expect([...KM.keys()].sort()).toEqual([...EN.keys()].sort());
  });

  it("have no empty entry, and Khmer entries are written in Khmer script", () => {
    for (const [k, v] of EN) expect(v.trim(), k).not.toBe("");
    const notKhmer = [...KM].filter(([k, v]) => !SAME.has(k) && !KHMER.test(v)).map(([k]) => k);
    expect(notKhmer).toEqual([]);
  });

  it("keep interpolations alike", () => {
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [k, v] of EN) expect(vars(KM.get(k) ?? ""), k).toEqual(vars(v));
  });

  it("label every code of every vocabulary the pages show", () => {
    const vocabularies: Record<string, readonly string[]> = {
      Urgency: intake.urgencyValues,
      SignalSource: intake.signalSourceValues,
      Stage: intake.stageValues,
      ClosureReason: intake.closureReasonValues,
      CloseReason: investigation.closeReasonValues,
      EstablishmentKind: investigation.establishmentKindValues,
      Indicator: investigation.indicatorValues,
      ReadPurpose: investigation.readPurposeValues,
      InvestigationOrigin: investigation.investigationOriginValues,
      Sex: investigation.sexValues,
      RescueOutcome: investigation.rescueOutcomeValues,
      Milestone: investigation.milestoneValues,
      Verdict: investigation.verdictValues,
      LegalAssistanceKind: investigation.legalAssistanceKindValues,
      Province: PROVINCES,
      Language: LANGUAGES,
      Nationality: NATIONALITIES,
      PlacementReason: PLACEMENT_REASONS,
      LeadReason: LEAD_REASONS,
    };
    const missing: string[] = [];
    for (const [vocab, codes] of Object.entries(vocabularies))
      for (const c of codes) for (const [lang, cat] of [["en", EN], ["km", KM]] as const) if (!cat.has(`enum.${vocab}.${c}`)) missing.push(`${lang}:${vocab}.${c}`);
    expect(missing).toEqual([]);
  });

  it("hold every key the pages ask for", () => {
    const src = fileURLToPath(new URL("../../src", import.meta.url));
    const asked = new Set<string>();
    for (const f of sources(src)) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/\bt\(\s*"([a-zA-Z0-9_.]+)"/g)) asked.add(m[1]!);
      for (const m of text.matchAll(/key: "([a-z]+\.[a-zA-Z]+)"/g)) asked.add(m[1]!);
    }
    expect(asked.size).toBeGreaterThan(100);
    expect([...asked].filter((k) => !EN.has(k))).toEqual([]);
  });

  it("translate every refusal the app can show", () => {
    const codes: ErrorCode[] = ["network", "not_logged_in", "origin_refused", "forbidden", "not_found", "conflict", "invalid", "erased", "unstorable_text", "too_many", "unavailable", "milestone_order", "milestone_recorded", "future_date", "unknown"];
    for (const c of codes) {
      expect(EN.has(`errors.${c}`), c).toBe(true);
      expect(KM.has(`errors.${c}`), c).toBe(true);
    }
  });
});
