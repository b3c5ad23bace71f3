// Code vocabularies for fields the documents declare as codes. Where a document carries the
// vocabulary as an enum, the generated `<name>Values` array is used, so a new or changed code
// reaches the select with the next build; the lists here stand in only while a field is still
// declared as a plain string.
import * as intakeGen from "../api/gen/intake";
import * as investigationGen from "../api/gen/investigation";

function generated(name: string, fallback: readonly string[]): readonly string[] {
  const found = (intakeGen as unknown as Record<string, unknown>)[name] ?? (investigationGen as unknown as Record<string, unknown>)[name];
  return Array.isArray(found) ? (found as string[]) : fallback;
}

/** ISO 3166-2:KH provinces (and the capital). */
export const PROVINCES = generated("provinceValues", Array.from({ length: 25 }, (_, i) => `KH-${i + 1}`));

/** ISO 639-1 codes of the languages survivors speak most often here. */
export const LANGUAGES = generated("languageValues", ["km", "vi", "th", "lo", "my", "zh", "en", "ko", "ms", "id", "fr"]);

/** ISO 3166-1 alpha-2 nationalities most often met. */
export const NATIONALITIES = generated("nationalityValues", ["KH", "VN", "TH", "LA", "MM", "CN", "KR", "MY", "ID"]);

export const PLACEMENT_REASONS: readonly string[] = intakeGen.placementReasonValues;

/** Why intake hands a signal to investigators (LeadIn.reason is a code). */
export const LEAD_REASONS: readonly string[] = intakeGen.leadReasonValues;

/** District codes are four digits (the national gazetteer's). */
export const DISTRICT_PATTERN = "^[0-9]{4}$";

export const intakeEnums = intakeGen;
export const investigationEnums = investigationGen;
