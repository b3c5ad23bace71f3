// The report being typed, kept while the investigator moves between pages. The investigation
// API keeps no drafts, so this lives in memory only (never in storage): a reload, a logout or
// the idle lock loses it, on purpose, since it holds names.
import { onWipe } from "../../session/wipe";
import type { components } from "../../api/gen/investigation";
import { emptyEstablishment, type EstablishmentDraft } from "./EstablishmentFields";

export type Sex = components["schemas"]["Sex"];
export type Indicator = components["schemas"]["Indicator"];
export type Urgency = components["schemas"]["Urgency"];
export type PersonIn = components["schemas"]["PersonIn"];

export interface PersonDraft {
  id: number;
  name: string;
  description: string;
  sex: Sex | null;
  age: string;
  nationality: string | null;
  language: string | null;
  indicators: Indicator[];
}

export interface EvidenceDraft {
  hash: string;
  location: string;
}

export interface ReportDraft {
  key: string;
  urgency: Urgency | null;
  visitDates: string[];
  evidence: EvidenceDraft[];
  establishment: EstablishmentDraft;
  persons: PersonDraft[];
}

const drafts = new Map<string, ReportDraft>();
onWipe(() => drafts.clear());

let nextId = 1;
export function newPerson(after?: PersonDraft): PersonDraft {
  // A new row takes the previous person's sex, nationality and language: in a raid's report
  // these are mostly alike, and typing twelve rows should not mean twelve times the same.
  return {
    id: nextId++,
    name: "",
    description: "",
    sex: after?.sex ?? null,
    age: "",
    nationality: after?.nationality ?? null,
    language: after?.language ?? null,
    indicators: [],
  };
}

export function loadDraft(scope: string, key: () => string): ReportDraft {
  return drafts.get(scope) ?? { key: key(), urgency: null, visitDates: [], evidence: [], establishment: emptyEstablishment(), persons: [newPerson()] };
}

export function saveDraft(scope: string, d: ReportDraft): void {
  drafts.set(scope, d);
}

export function dropDraft(scope: string): void {
  drafts.delete(scope);
}

export function hasDraft(scope: string): boolean {
  return drafts.has(scope);
}

export function personBody(p: PersonDraft): PersonIn | null {
  if (!p.sex) return null;
  const age = Number.parseInt(p.age, 10);
  return {
    sex: p.sex,
    name: p.name || null,
    description: p.description || null,
    approximate_age: Number.isFinite(age) ? age : null,
    nationality: p.nationality,
    language: p.language,
    indicators: p.indicators,
  };
}
