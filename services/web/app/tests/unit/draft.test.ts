import { describe, expect, it } from "vitest";
import { draftBody, draftFromServer, loadDraft, newPerson, type ReportDraft } from "../../src/pages/investigation/draft";

const key = () => "k-0123456789";

function typed(): ReportDraft {
  const d = loadDraft("unit-draft", key);
  return {
    ...d,
    urgency: "high",
    visitDates: ["2026-11-20", ""],
    evidence: [{ hash: "ba78", location: "vault:2026/1" }, { hash: "not hex!", location: "a place with spaces" }],
    establishment: { kind: "brothel", province: "KH-12", district: "12", address: "house 3", operator_names: "" },
    persons: [{ ...newPerson(), name: "Srey", sex: "female", age: "16", nationality: "VN" }, { ...newPerson(), age: "old" }],
  };
}

describe("the draft the service keeps", () => {
  it("carries codes as codes and drops what is not one yet", () => {
    const body = draftBody(typed(), null);
    expect(body.visit_dates).toEqual(["2026-11-20"]);
    expect(body.evidence).toEqual([
      { content_hash: "ba78", location: "vault:2026/1" },
      { content_hash: "", location: "" },
    ]);
    expect(body.establishment).toMatchObject({ district: "12", operator_names: null });
    expect(body.persons?.map((p) => p.approximate_age)).toEqual([16, null]);
  });

  it("comes back as the page held it, under the same ids", () => {
    const d = typed();
    const back = draftFromServer(
      { draft_id: d.draftId, created_at: "2026-11-20T00:00:00Z", updated_at: "2026-11-20T00:00:00Z", persons_count: 2, draft: draftBody(d, null) },
      () => "other",
    );
    expect(back.draftId).toBe(d.draftId);
    expect(back.key).toBe(d.key);
    expect(back.persons.map((p) => [p.name, p.sex, p.age])).toEqual([
      ["Srey", "female", "16"],
      ["", null, ""],
    ]);
    expect(back.establishment).toEqual({ ...d.establishment });
  });

  it("under an investigation, names no establishment", () => {
    expect(draftBody(typed(), "3f0c7a52-1111-4222-8333-444455556666").establishment).toBeNull();
  });
});
