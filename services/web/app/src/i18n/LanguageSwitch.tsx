import { useTranslation } from "react-i18next";
import { changeLanguage, LANGUAGES } from "./index";

/** Native buttons (aria-pressed) rather than react-aria's: this is on the first page, and
 *  keeping react-aria out of the first load saves a third of its size. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <div role="group" aria-label={t("lang.label")} className="lang-switch">
      {LANGUAGES.map((l) => (
        <button
          key={l}
          type="button"
          className="toggle"
          lang={l}
          aria-pressed={i18n.language === l}
          data-selected={i18n.language === l ? "true" : undefined}
          onClick={() => void changeLanguage(l)}
        >
          {t(`lang.${l}`)}
        </button>
      ))}
    </div>
  );
}
