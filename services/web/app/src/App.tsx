import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { Layout } from "./Layout";
import { Home } from "./pages/Home";
import { NotFound } from "./pages/NotFound";
import { SessionProvider } from "./session/Session";
import { Loading } from "./ui/Loading";

// Each kind of user's pages load on first use, keeping the first load small; once the first
// page is up, the pages of the user's own roles are fetched while the browser is idle, so a
// later navigation waits for its data only.
const load = {
  NewSignal: () => import("./pages/intake/NewSignal"),
  Signals: () => import("./pages/intake/Signals"),
  SignalPage: () => import("./pages/intake/SignalPage"),
  Outreach: () => import("./pages/intake/Outreach"),
  Investigations: () => import("./pages/investigation/Investigations"),
  InvestigationPage: () => import("./pages/investigation/InvestigationPage"),
  Reports: () => import("./pages/investigation/Reports"),
  NewReport: () => import("./pages/investigation/NewReport"),
  ReportPage: () => import("./pages/investigation/ReportPage"),
  Inbox: () => import("./pages/legal/Inbox"),
  LegalCase: () => import("./pages/legal/LegalCase"),
  Assistance: () => import("./pages/legal/Assistance"),
};
const ROLE_PAGES: Record<string, (keyof typeof load)[]> = {
  intake: ["NewSignal", "Signals", "SignalPage", "Outreach"],
  investigator: ["Investigations", "InvestigationPage", "Reports", "NewReport", "ReportPage"],
  legal: ["Inbox", "LegalCase", "Assistance"],
};

export function prefetchPages(roles: readonly string[]): void {
  for (const r of roles) for (const p of ROLE_PAGES[r] ?? []) void load[p]().catch(() => undefined);
}

const NewSignal = lazy(load.NewSignal);
const Signals = lazy(load.Signals);
const SignalPage = lazy(load.SignalPage);
const Outreach = lazy(load.Outreach);
const Investigations = lazy(load.Investigations);
const InvestigationPage = lazy(load.InvestigationPage);
const Reports = lazy(load.Reports);
const NewReport = lazy(load.NewReport);
const ReportPage = lazy(load.ReportPage);
const Inbox = lazy(load.Inbox);
const LegalCase = lazy(load.LegalCase);
const Assistance = lazy(load.Assistance);

export function App() {
  return (
    <BrowserRouter>
        <SessionProvider>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route element={<Layout />}>
                <Route index element={<Home />} />
                <Route path="intake/signals/new" element={<NewSignal />} />
                <Route path="intake/signals" element={<Signals />} />
                <Route path="intake/signals/:signalId" element={<SignalPage />} />
                <Route path="intake/outreach" element={<Outreach />} />
                <Route path="investigations" element={<Investigations />} />
                <Route path="investigations/:investigationId" element={<InvestigationPage />} />
                <Route path="investigations/:investigationId/report" element={<NewReport />} />
                <Route path="reports" element={<Reports />} />
                <Route path="reports/new" element={<NewReport />} />
                <Route path="reports/:reportId" element={<ReportPage />} />
                <Route path="legal" element={<Inbox />} />
                <Route path="legal/referrals/:referralId" element={<LegalCase />} />
                <Route path="legal/assistance/:requestId" element={<Assistance />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </SessionProvider>
    </BrowserRouter>
  );
}
