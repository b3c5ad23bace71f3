import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { km } from "./km";

export const LANGUAGES = ["en", "km"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The browser's language if it is Khmer, else English. The choice is not stored anywhere:
 *  a shared computer's next user starts from her own browser's language. */
export function initialLanguage(langs: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  return langs.some((l) => l.toLowerCase().startsWith("km")) ? "km" : "en";
}

export function setupI18n(lng: Language = initialLanguage()) {
  void i18n.use(initReactI18next).init({
    resources: { en: { translation: en }, km: { translation: km } },
    lng,
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  i18n.on("languageChanged", (l) => {
    document.documentElement.lang = l;
  });
  return i18n;
}
