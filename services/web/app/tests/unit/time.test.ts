import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, todayInOrg } from "../../src/lib/time";

describe("dates in the organisation's zone", () => {
  it("shows an instant in Phnom Penh's time, whatever the machine's zone", () => {
    // 20:30 UTC on 31 December is 03:30 on 1 January in Phnom Penh (UTC+7).
    expect(formatDateTime("2026-12-31T20:30:00Z", "en")).toBe("1 Jan 2027, 03:30");
    expect(formatDateTime("2026-12-31T20:30:00Z", "km")).toBe("1 មករា 2027 ម៉ោង 03:30");
    expect(formatDateTime("garbage", "en")).toBe("");
  });

  it("today is Phnom Penh's date", () => {
    expect(todayInOrg(new Date("2026-12-31T18:00:00Z"))).toBe("2027-01-01");
    expect(todayInOrg(new Date("2026-12-31T16:00:00Z"))).toBe("2026-12-31");
  });

  it("a calendar date is that day, in either language", () => {
    expect(formatDate("2026-03-05", "en")).toBe("5 Mar 2026");
    expect(formatDate("2026-12-05", "km")).toBe("5 ធ្នូ 2026");
    expect(formatDate("not a date", "km")).toBe("");
  });
});
