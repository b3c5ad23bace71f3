import { useEffect } from "react";
import { useTranslation } from "react-i18next";

/** The document's title: the page's name and the product's, never anything personal. */
export function useTitle(title: string): void {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title, t]);
}
