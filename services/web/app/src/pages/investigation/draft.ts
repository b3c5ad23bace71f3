// The report being typed. In this tab it is kept in memory while the investigator moves between
// pages (never in browser storage: it holds names); it is also saved to the investigation
// service (PUT /reports/drafts/{id}, sealed there, hers alone), so a reload, a logout or the idle
// lock no longer loses it: she continues it from the "New report" page, giving a purpose.
import { onWipe } from "../../session/wipe";
import type { components } from "../../api/gen/investigation";
import { emptyEstablishment, type EstablishmentDraft } from "./EstablishmentFields";

export type Sex = components["schemas"]["Sex"];
export type Indicator = components["schemas"]["Indicator"];
export type Urgency = components["schemas"]["Urgency"];
export type PersonIn = components["schemas"]["PersonIn"];
export type DraftIn = components["schemas"]["DraftIn"];
export type DraftOut = components["schemas"]["DraftOut"];

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
  /** The id the service keeps it under: a fresh one per report, spent once filed. */
  draftId: string;
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
  return drafts.get(scope) ?? { draftId: crypto.randomUUID(), key: key(), urgency: null, visitDates: [], evidence: [], establishment: emptyEstablishment(), persons: [newPerson()] };
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

const hexOnly = (s: string) => (/^[0-9a-fA-F]{0,64}$/.test(s) ? s : "");
const locationCode = (s: string) => (/^[A-Za-z0-9._:/-]{0,64}$/.test(s) ? s : "");

/** What the service keeps of the draft: every field as typed so far, codes as codes. */
export function draftBody(d: ReportDraft, investigationId: string | null): DraftIn {
  const e = d.establishment;
  return {
    idempotency_key: d.key,
    investigation_id: investigationId,
    urgency: d.urgency,
    visit_dates: d.visitDates.filter(Boolean),
    establishment: investigationId
      ? null
      : { kind: e.kind, province: e.province, district: /^[0-9]{0,4}$/.test(e.district) ? e.district : null, address: e.address || null, operator_names: e.operator_names || null },
    evidence: d.evidence.map((x) => ({ content_hash: hexOnly(x.hash), location: locationCode(x.location) })),
    persons: d.persons.map((p) => {
      const age = Number.parseInt(p.age, 10);
      return {
        sex: p.sex,
        name: p.name || null,
        description: p.description || null,
        approximate_age: Number.isFinite(age) && age >= 0 && age <= 100 ? age : null,
        nationality: p.nationality,
        language: p.language,
        indicators: p.indicators,
      };
    }),
  };
}

/** A draft the service gave back, as this page holds it. */
export function draftFromServer(out: DraftOut, key: () => string): ReportDraft {
  const d = out.draft;
  const e = d.establishment;
  const persons = (d.persons ?? []).map((p) => ({
    ...newPerson(),
    name: p.name ?? "",
    description: p.description ?? "",
    sex: p.sex ?? null,
    age: p.approximate_age == null ? "" : String(p.approximate_age),
    nationality: p.nationality ?? null,
    language: p.language ?? null,
    indicators: p.indicators ?? [],
  }));
  return {
    draftId: out.draft_id,
    key: d.idempotency_key ?? key(),
    urgency: d.urgency ?? null,
    visitDates: d.visit_dates ?? [],
    evidence: (d.evidence ?? []).map((x) => ({ hash: x.content_hash ?? "", location: x.location ?? "" })),
    establishment: e
      ? { kind: e.kind ?? null, province: e.province ?? null, district: e.district ?? "", address: e.address ?? "", operator_names: e.operator_names ?? "" }
      : emptyEstablishment(),
    persons: persons.length > 0 ? persons : [newPerson()],
  };
}
