import { Suspense } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { Layout } from "./Layout";
import { Home } from "./pages/Home";
import { NotFound } from "./pages/NotFound";
import { NewSignal, Signals, SignalPage, Outreach, Investigations, InvestigationPage, Reports, NewReport, ReportPage, Inbox, LegalCase, Assistance } from "./pages/registry";
import { SessionProvider } from "./session/Session";
import { Loading } from "./ui/Loading";

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
