import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { LanguageSwitch } from "../i18n/LanguageSwitch";

/** Hides everything: nothing of the session is rendered behind it. Opening again is a new
 *  login (through the identity provider's logout, so a shared computer asks for a password). */
export function LockScreen({ logoutUrl }: { logoutUrl: string }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${t("lock.title")} · ${t("app.name")}`;
  }, [t]);
  return (
    <main className="centred lock" data-testid="lock-screen">
      <h1>{t("lock.title")}</h1>
      <p>{t("lock.body")}</p>
      <button type="button" className="button primary" onClick={() => window.location.assign(logoutUrl)}>
        {t("lock.login")}
      </button>
      <LanguageSwitch />
    </main>
  );
}
