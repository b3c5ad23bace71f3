import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useTitle } from "../ui/title";

export function NotFound() {
  const { t } = useTranslation();
  useTitle(t("notFound.title"));
  return (
    <>
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <Link to="/">{t("notFound.home")}</Link>
    </>
  );
}
