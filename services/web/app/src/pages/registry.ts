import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { lazy, useCallback } from "react";

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

// The navigation's own targets: their code, and the list each one opens on (codes and ids
// only, see lists.ts), so that following a link waits for neither.
const ROUTES: Record<string, { page: keyof typeof load; list?: "investigations" | "reports" | "inbox" }> = {
  "/intake/signals/new": { page: "NewSignal" },
  "/intake/signals": { page: "Signals" },
  "/intake/outreach": { page: "Outreach" },
  "/investigations": { page: "Investigations", list: "investigations" },
  "/reports": { page: "Reports", list: "reports" },
  "/reports/new": { page: "NewReport" },
  "/legal": { page: "Inbox", list: "inbox" },
};
const ROLE_LISTS: Record<string, string[]> = {
  investigator: ["/investigations", "/reports"],
  legal: ["/legal"],
};

export function prefetchPages(roles: readonly string[]): void {
  for (const r of roles) for (const p of ROLE_PAGES[r] ?? []) void load[p]().catch(() => undefined);
}

/** Fetches a route's code and, if it opens on a list, the list (if what the cache holds is
 *  stale): a no-op for routes not named above. Failures are left to the page itself. */
export function prefetchRoute(qc: QueryClient, to: string): void {
  const route = ROUTES[to];
  if (!route) return;
  void load[route.page]().catch(() => undefined);
  const list = route.list;
  if (list) void import("./lists").then((m) => m.prefetchList(qc, list)).catch(() => undefined);
}

/** Once the first page is up and the browser idle: the pages of her roles, and the lists her
 *  navigation opens on. */
export function prefetchForRoles(qc: QueryClient, roles: readonly string[]): void {
  prefetchPages(roles);
  for (const r of roles) for (const to of ROLE_LISTS[r] ?? []) prefetchRoute(qc, to);
}

/** Handlers for a link: its route is fetched ahead on hover, focus or touch (a click follows
 *  some 100-300 ms later), refreshing what the idle prefetch got if it went stale. */
export function usePrefetchLink(): (to: string) => { onMouseEnter(): void; onFocus(): void; onTouchStart(): void } {
  const qc = useQueryClient();
  return useCallback(
    (to: string) => {
      const go = () => prefetchRoute(qc, to);
      return { onMouseEnter: go, onFocus: go, onTouchStart: go };
    },
    [qc],
  );
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
