import { lazy, Suspense } from "react";
import { I18nProvider } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Route, Routes } from "react-router";
import { Layout } from "./Layout";
import { Home } from "./pages/Home";
import { NotFound } from "./pages/NotFound";
import { SessionProvider } from "./session/Session";
import { Loading } from "./ui/Feedback";

// Each kind of user's pages load on first use, keeping the first load small.
const NewSignal = lazy(() => import("./pages/intake/NewSignal"));
const Signals = lazy(() => import("./pages/intake/Signals"));
const SignalPage = lazy(() => import("./pages/intake/SignalPage"));
const Outreach = lazy(() => import("./pages/intake/Outreach"));
const Investigations = lazy(() => import("./pages/investigation/Investigations"));
const InvestigationPage = lazy(() => import("./pages/investigation/InvestigationPage"));
const Reports = lazy(() => import("./pages/investigation/Reports"));
const NewReport = lazy(() => import("./pages/investigation/NewReport"));
const ReportPage = lazy(() => import("./pages/investigation/ReportPage"));
const Inbox = lazy(() => import("./pages/legal/Inbox"));
const LegalCase = lazy(() => import("./pages/legal/LegalCase"));
const Assistance = lazy(() => import("./pages/legal/Assistance"));

export function App() {
  const { i18n } = useTranslation();
  return (
    <I18nProvider locale={i18n.language === "km" ? "km-KH" : "en-GB"}>
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
    </I18nProvider>
  );
}
