import { lazy } from "react";

// Each kind of user's pages load on first use, keeping the first load small; once the first
// page is up, the pages of the user's own roles are fetched while the browser is idle, so a
// later navigation waits for its data only.
export const load = {
  NewSignal: () => import("./intake/NewSignal"),
  Signals: () => import("./intake/Signals"),
  SignalPage: () => import("./intake/SignalPage"),
  Outreach: () => import("./intake/Outreach"),
  Investigations: () => import("./investigation/Investigations"),
  InvestigationPage: () => import("./investigation/InvestigationPage"),
  Reports: () => import("./investigation/Reports"),
  NewReport: () => import("./investigation/NewReport"),
  ReportPage: () => import("./investigation/ReportPage"),
  Inbox: () => import("./legal/Inbox"),
  LegalCase: () => import("./legal/LegalCase"),
  Assistance: () => import("./legal/Assistance"),
};
const ROLE_PAGES: Record<string, (keyof typeof load)[]> = {
  intake: ["NewSignal", "Signals", "SignalPage", "Outreach"],
  investigator: ["Investigations", "InvestigationPage", "Reports", "NewReport", "ReportPage"],
  legal: ["Inbox", "LegalCase", "Assistance"],
};

export function prefetchPages(roles: readonly string[]): void {
  for (const r of roles) for (const p of ROLE_PAGES[r] ?? []) void load[p]().catch(() => undefined);
}

export const NewSignal = lazy(load.NewSignal);
export const Signals = lazy(load.Signals);
export const SignalPage = lazy(load.SignalPage);
export const Outreach = lazy(load.Outreach);
export const Investigations = lazy(load.Investigations);
export const InvestigationPage = lazy(load.InvestigationPage);
export const Reports = lazy(load.Reports);
export const NewReport = lazy(load.NewReport);
export const ReportPage = lazy(load.ReportPage);
export const Inbox = lazy(load.Inbox);
export const LegalCase = lazy(load.LegalCase);
export const Assistance = lazy(load.Assistance);
