// Dates and times as the organisation reads them: in its own zone, whatever the browser's.
// Khmer is composed from the calendar's parts with Khmer month names: browsers' Khmer locale
// data is thin (Chromium shows "M12" for a month), and a date must read right in both.
export const ORG_TIME_ZONE = "Asia/Phnom_Penh";

const KM_MONTHS = ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"];

interface Parts {
  year: string;
  month: number;
  day: string;
  hour: string;
  minute: string;
}

function partsIn(d: Date, timeZone: string): Parts {
  const got: Record<string, string> = {};
  const fmt = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const p of fmt.formatToParts(d)) got[p.type] = p.value;
  return { year: got.year ?? "", month: Number(got.month), day: String(Number(got.day)), hour: got.hour ?? "", minute: got.minute ?? "" };
}

function dayText(p: Parts, lang: string): string {
  if (lang === "km") return `${p.day} ${KM_MONTHS[p.month - 1]} ${p.year}`;
  const month = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2000, p.month - 1, 15)));
  return `${p.day} ${month} ${p.year}`;
}

export function formatDateTime(iso: string, lang: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = partsIn(d, ORG_TIME_ZONE);
  return lang === "km" ? `${dayText(p, lang)} ម៉ោង ${p.hour}:${p.minute}` : `${dayText(p, lang)}, ${p.hour}:${p.minute}`;
}

/** A calendar date (YYYY-MM-DD, no time): shown as that day, not shifted by any zone. */
export function formatDate(day: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return "";
  return dayText({ year: m[1]!, month: Number(m[2]), day: String(Number(m[3])), hour: "", minute: "" }, lang);
}

/** Today's date in the organisation's zone (YYYY-MM-DD), the latest a past event can be. */
export function todayInOrg(now: Date = new Date()): string {
  const p = partsIn(now, ORG_TIME_ZONE);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${p.day.padStart(2, "0")}`;
}
