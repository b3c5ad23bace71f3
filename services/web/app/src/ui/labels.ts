import { useTranslation } from "react-i18next";

/** Labels of a code vocabulary (enum.<Vocabulary>.<code> in the catalogues). */
export function useEnumLabel() {
  const { t } = useTranslation();
  return (vocabulary: string) => (code: string) => t(`enum.${vocabulary}.${code}`, { defaultValue: code });
}
