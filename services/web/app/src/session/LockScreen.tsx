import { useEffect } from "react";
import { Button } from "react-aria-components";
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
      <Button className="button primary" onPress={() => window.location.assign(logoutUrl)}>
        {t("lock.login")}
      </Button>
      <LanguageSwitch />
    </main>
  );
}
