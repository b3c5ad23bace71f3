import { useTranslation } from "react-i18next";

/** Labels of a code vocabulary (enum.<Vocabulary>.<code> in the catalogues). */
export function useEnumLabel() {
  const { t } = useTranslation();
  // A code may be null where a migration set free text aside (docs/security.md): shown as a dash.
  return (vocabulary: string) => (code: string | null | undefined) =>
    code == null ? "—" : t(`enum.${vocabulary}.${code}`, { defaultValue: code });
}
