import { ToggleButton, ToggleButtonGroup, type Key } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { LANGUAGES } from "./index";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <ToggleButtonGroup
      aria-label={t("lang.label")}
      selectionMode="single"
      disallowEmptySelection
      selectedKeys={[i18n.language]}
      onSelectionChange={(keys: Set<Key>) => {
        const [k] = [...keys];
        if (typeof k === "string") void i18n.changeLanguage(k);
      }}
      className="lang-switch"
    >
      {LANGUAGES.map((l) => (
        <ToggleButton key={l} id={l} className="toggle" lang={l}>
          {t(`lang.${l}`)}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
