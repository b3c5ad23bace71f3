import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useSession } from "../session/Session";
import { usePrefetchLink } from "./registry";
import { useTitle } from "../ui/title";

export function Home() {
  const { t } = useTranslation();
  useTitle(t("home.title"));
  const { me, hasRole } = useSession();
  const prefetch = usePrefetchLink();
  return (
    <>
      <h1>{t("home.title")}</h1>
      <p>{t("home.hello", { name: me.username })}</p>
      <ul className="cards">
        {hasRole("intake") ? (
          <li>
            <h2>{t("home.intake")}</h2>
            <Link to="/intake/signals/new" {...prefetch("/intake/signals/new")}>{t("nav.newSignal")}</Link>
          </li>
        ) : null}
        {hasRole("investigator") ? (
          <li>
            <h2>{t("home.investigator")}</h2>
            <Link to="/investigations" {...prefetch("/investigations")}>{t("nav.investigations")}</Link>
          </li>
        ) : null}
        {hasRole("legal") ? (
          <li>
            <h2>{t("home.legal")}</h2>
            <Link to="/legal" {...prefetch("/legal")}>{t("nav.inbox")}</Link>
          </li>
        ) : null}
      </ul>
      {!hasRole("intake") && !hasRole("investigator") && !hasRole("legal") ? <p>{t("home.nothingYet")}</p> : null}
    </>
  );
}
