import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createElement, lazy, useCallback, useState, type ComponentType } from "react";

// Each kind of user's pages load on first use, keeping the first load small (and never the
// other kinds' pages: tests/unit/bundle.test.ts); right after the first page is painted, the
// pages of the user's own roles and the lists they open on are fetched ahead (Layout.tsx).
type Module = { default: ComponentType };

/** A lazy page that renders at once when its code is already here: React.lazy alone suspends
 *  on its first render even then, and React holds a revealed Suspense boundary back (up to
 *  300 ms) after a fallback. Which of the two a mount uses is fixed for that mount, so a page
 *  is never remounted (and a form never emptied) when its code arrives meanwhile. */
function page(loader: () => Promise<Module>): { load: () => Promise<Module>; Page: ComponentType } {
  let loaded: ComponentType | undefined;
  const load = () =>
    loader().then((m) => {
      loaded = m.default;
      return m;
    });
  const Lazy = lazy(load);
  function Page() {
    const [C] = useState<ComponentType>(() => loaded ?? Lazy);
    return createElement(C);
  }
  return { load, Page };
}

const pages = {
  NewSignal: page(() => import("./intake/NewSignal")),
  Signals: page(() => import("./intake/Signals")),
  SignalPage: page(() => import("./intake/SignalPage")),
  Outreach: page(() => import("./intake/Outreach")),
  Investigations: page(() => import("./investigation/Investigations")),
  InvestigationPage: page(() => import("./investigation/InvestigationPage")),
  Reports: page(() => import("./investigation/Reports")),
  NewReport: page(() => import("./investigation/NewReport")),
  ReportPage: page(() => import("./investigation/ReportPage")),
  Inbox: page(() => import("./legal/Inbox")),
  LegalCase: page(() => import("./legal/LegalCase")),
  Assistance: page(() => import("./legal/Assistance")),
};
export const load = Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, v.load])) as Record<keyof typeof pages, () => Promise<Module>>;
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

/** Once the first page is up: the pages of her roles, and the lists her navigation opens on. */
export function prefetchForRoles(qc: QueryClient, roles: readonly string[]): void {
  prefetchPages(roles);
  for (const r of roles) for (const to of ROLE_LISTS[r] ?? []) prefetchRoute(qc, to);
}

/** Handlers for a link: its route is fetched ahead on hover, focus or touch (a click follows
 *  some 100-300 ms later), refreshing what the first prefetch got if it went stale. */
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

export const NewSignal = pages.NewSignal.Page;
export const Signals = pages.Signals.Page;
export const SignalPage = pages.SignalPage.Page;
export const Outreach = pages.Outreach.Page;
export const Investigations = pages.Investigations.Page;
export const InvestigationPage = pages.InvestigationPage.Page;
export const Reports = pages.Reports.Page;
export const NewReport = pages.NewReport.Page;
export const ReportPage = pages.ReportPage.Page;
export const Inbox = pages.Inbox.Page;
export const LegalCase = pages.LegalCase.Page;
export const Assistance = pages.Assistance.Page;
