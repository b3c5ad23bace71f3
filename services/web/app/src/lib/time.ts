// Dates and times as the organisation reads them: in its own zone, whatever the browser's.
export const ORG_TIME_ZONE = "Asia/Phnom_Penh";

const LOCALES: Record<string, string> = { en: "en-GB", km: "km-KH" };

export function formatDateTime(iso: string, lang: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(LOCALES[lang] ?? "en-GB", {
    timeZone: ORG_TIME_ZONE,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(d);
}

/** A calendar date (YYYY-MM-DD, no time): shown as that day, not shifted by any zone. */
export function formatDate(day: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return "";
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  return new Intl.DateTimeFormat(LOCALES[lang] ?? "en-GB", { timeZone: "UTC", dateStyle: "medium" }).format(d);
}

/** Today's date in the organisation's zone (YYYY-MM-DD), the latest a past event can be. */
export function todayInOrg(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: ORG_TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
  return parts;
}
