import { useTranslation } from "react-i18next";
import { useEffect } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { prefetchForRoles, usePrefetchLink } from "./pages/registry";
import { LanguageSwitch } from "./i18n/LanguageSwitch";
import { PurposeProvider } from "./privacy/Purpose";
import { ErrorBoundary } from "./ui/ErrorBoundary";
import { useSession } from "./session/Session";

const NAV: { role: string; to: string; key: string }[] = [
  { role: "intake", to: "/intake/signals/new", key: "nav.newSignal" },
  { role: "intake", to: "/intake/signals", key: "nav.signals" },
  { role: "intake", to: "/intake/outreach", key: "nav.outreach" },
  { role: "investigator", to: "/investigations", key: "nav.investigations" },
  { role: "investigator", to: "/reports", key: "nav.reports" },
  { role: "investigator", to: "/reports/new", key: "nav.newReport" },
  { role: "legal", to: "/legal", key: "nav.inbox" },
];

export function Layout() {
  const { t } = useTranslation();
  const { me, logOut, hasRole } = useSession();
  const location = useLocation();
  const links = NAV.filter((n) => hasRole(n.role));
  const qc = useQueryClient();
  const prefetch = usePrefetchLink();
  useEffect(() => {
    // Right after the first page is painted (effects run after paint), not when the browser
    // looks idle: on a slow CPU that can be seconds, and she may follow a link sooner. The
    // first page is already usable, so these fetches hold nothing of it back.
    const timer = window.setTimeout(() => prefetchForRoles(qc, me.roles), 0);
    return () => window.clearTimeout(timer);
  }, [qc, me.roles]);
  return (
    <>
      <a className="skip" href="#main">
        {t("nav.skip")}
      </a>
      <header className="top">
        <NavLink to="/" className="brand">
          {t("app.name")}
        </NavLink>
        <nav aria-label={t("nav.label")}>
          <ul>
            {links.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end {...prefetch(n.to)}>
                  {t(n.key)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <LanguageSwitch />
          <span className="user" data-testid="user">
            {me.username}
          </span>
          <button type="button" className="button" onClick={() => void logOut()}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {/* Remounted on every navigation: a purpose chosen here, and what it revealed, go. */}
        <PurposeProvider key={location.pathname}>
          <ErrorBoundary>
            <Outlet />
          </ErrorBoundary>
        </PurposeProvider>
      </main>
    </>
  );
}
