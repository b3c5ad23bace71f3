import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";

export const LANGUAGES = ["en", "km"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The browser's language if it is Khmer, else English. The choice is not stored anywhere:
 *  a shared computer's next user starts from her own browser's language. */
export function initialLanguage(langs: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  return langs.some((l) => l.toLowerCase().startsWith("km")) ? "km" : "en";
}

/** Catalogues other than English load on first use (the Khmer one is a third of the first
 *  load's app code, and an English reader never needs it). */
const LOADERS: Record<Exclude<Language, "en">, () => Promise<Record<string, unknown>>> = {
  km: () => import("./km").then((m) => m.km),
};

async function loadCatalogue(lng: Language): Promise<void> {
  if (lng === "en" || i18n.hasResourceBundle(lng, "translation")) return;
  i18n.addResourceBundle(lng, "translation", await LOADERS[lng]());
}

/** Switches the language once its catalogue is here, so no key shows untranslated. */
export async function changeLanguage(lng: Language): Promise<void> {
  await loadCatalogue(lng);
  await i18n.changeLanguage(lng);
}

export async function setupI18n(lng: Language = initialLanguage()) {
  void i18n.use(initReactI18next).init({
    resources: { en: { translation: en } },
    lng: "en",
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = "en";
  i18n.on("languageChanged", (l) => {
    document.documentElement.lang = l;
  });
  if (lng !== "en") await changeLanguage(lng);
  return i18n;
}
