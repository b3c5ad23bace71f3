import { describe, expect, it, vi } from "vitest";
import { FIELDS } from "../../src/api/gen/fields";
import { gatedRead, isPersonal, PERSONAL_INPUT } from "../../src/privacy/gate";
import { dropDraft, loadDraft, newPerson, saveDraft } from "../../src/pages/investigation/draft";
import { wipeAll } from "../../src/session/wipe";
import { loginUrl } from "../../src/session/auth";

describe("purpose gating", () => {
  it("asks nothing of the server without a purpose", async () => {
    const read = vi.fn(async () => ({ name: "x" }));
    expect(await gatedRead(null, read)).toBeNull();
    expect(read).not.toHaveBeenCalled();
  });

  it("reads with the purpose given", async () => {
    const read = vi.fn(async (p: string) => ({ purpose: p }));
    expect(await gatedRead("prosecution", read)).toEqual({ purpose: "prosecution" });
    expect(read).toHaveBeenCalledWith("prosecution");
  });

  it("takes the personal fields from the documents' x-personal marks", () => {
    expect(isPersonal("intake", "SignalIn", "name")).toBe(true);
    expect(isPersonal("intake", "SignalIn", "urgency")).toBe(false);
    expect(isPersonal("investigation", "PersonIn", "description")).toBe(true);
    expect(isPersonal("investigation", "PersonIn", "sex")).toBe(false);
    expect(isPersonal("investigation", "VisitIn", "observations")).toBe(true);
    expect(Object.keys(FIELDS)).toEqual(["intake", "investigation", "recovery", "reintegration", "dashboard"]);
  });

  it("personal inputs are neither remembered nor spell-checked by the browser", () => {
    expect(PERSONAL_INPUT.autoComplete).toBe("off");
    expect(PERSONAL_INPUT.spellCheck).toBe(false);
  });
});

describe("the report draft", () => {
  it("is kept between visits and wiped on logout or lock", () => {
    const d = loadDraft("inv-1", () => "key-1");
    d.persons[0]!.name = "canary";
    saveDraft("inv-1", d);
    expect(loadDraft("inv-1", () => "other").persons[0]!.name).toBe("canary");
    wipeAll();
    expect(loadDraft("inv-1", () => "key-2").persons[0]!.name).toBe("");
    dropDraft("inv-1");
  });

  it("a new person takes the previous one's sex, nationality and language, never her name", () => {
    const first = { ...newPerson(), name: "A", sex: "female" as const, nationality: "VN", language: "vi" };
    const next = newPerson(first);
    expect(next).toMatchObject({ sex: "female", nationality: "VN", language: "vi", name: "", description: "" });
    expect(next.id).not.toBe(first.id);
  });
});

describe("login address", () => {
  it("comes back to the path without its query string", () => {
    expect(loginUrl("/reports/new?name=x")).toBe("/auth/login?next=%2Freports%2Fnew");
    expect(loginUrl("//evil.example/x")).toBe("/auth/login?next=%2F");
    expect(loginUrl("https://evil.example/")).toBe("/auth/login?next=%2F");
  });
});

describe("evidence", () => {
  it("is fingerprinted in the browser with SHA-256", async () => {
    const { sha256Hex, evidenceReady } = await import("../../src/pages/investigation/EvidenceFields");
    const hash = await sha256Hex(new TextEncoder().encode("abc").buffer as ArrayBuffer);
    expect(hash).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(evidenceReady({ hash, location: "vault:2026/11/a.jpg" })).toBe(true);
    expect(evidenceReady({ hash, location: "a name with spaces" })).toBe(false);
    expect(evidenceReady({ hash: "", location: "vault:x" })).toBe(false);
  });
});
