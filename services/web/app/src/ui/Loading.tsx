import { useTranslation } from "react-i18next";

export function Loading() {
  const { t } = useTranslation();
  return <p aria-busy="true">{t("common.loading")}</p>;
}
