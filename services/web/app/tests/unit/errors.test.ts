import { describe, expect, it } from "vitest";
import { ApiError, toApiError } from "../../src/api/errors";

describe("toApiError", () => {
  it("keeps the services' known codes", () => {
    expect(toApiError(404, { error: "not_found", detail: "report 123 does not exist" }).code).toBe("not_found");
    expect(toApiError(410, { error: "erased", detail: "x" }).code).toBe("erased");
    expect(toApiError(403, { error: "origin_refused" }).code).toBe("origin_refused");
    expect(toApiError(503, { error: "database_unavailable", detail: "retry" }).code).toBe("unavailable");
  });

  it("reads the legal track's refusal as its two steps, as codes", () => {
    const e = toApiError(409, { error: "conflict", detail: "charges_filed needs police_engaged first" });
    expect(e.code).toBe("milestone_order");
    expect(e.params).toEqual({ step: "charges_filed", first: "police_engaged" });
  });

  it("names the fields of a validation answer, never its message or values", () => {
    const e = toApiError(422, {
      detail: [
        { loc: ["body", "persons", 0, "sex"], type: "enum", msg: "Input should be 'female'" },
        { loc: ["body", "(a field this request does not take)"], type: "extra_forbidden", msg: "x" },
      ],
    });
    expect(e.code).toBe("invalid");
    expect(e.fields).toEqual(["persons.sex"]);
    expect(JSON.stringify(e)).not.toContain("female");
  });

  it("falls back on the status, and on 'unknown' for anything else", () => {
    expect(toApiError(401, { detail: "a bearer token is required" }).code).toBe("not_logged_in");
    expect(toApiError(403, { detail: "this role may not do this" }).code).toBe("forbidden");
    expect(toApiError(409, { error: "conflict", detail: "signal x is closed" }).code).toBe("conflict");
    expect(toApiError(500, "<html>Traceback ...</html>").code).toBe("unknown");
    expect(toApiError(418, null)).toBeInstanceOf(ApiError);
  });

  it("an unrecognised code is not passed through as a message key", () => {
    expect(toApiError(422, { error: "some_new_code", detail: "text" }).code).toBe("invalid");
  });
});
