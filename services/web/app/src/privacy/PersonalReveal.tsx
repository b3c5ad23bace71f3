import { useState } from "react";
import { Button } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { investigationEnums } from "../lib/codes";
import { ErrorNote } from "../ui/Feedback";
import { SelectField } from "../ui/Fields";
import { useEnumLabel } from "../ui/labels";
import { gatedRead } from "./gate";
import { usePurpose, type ReadPurpose } from "./Purpose";

interface Props<T> {
  fields: readonly (keyof T & string)[];
  read(purpose: ReadPurpose): Promise<T>;
}

/** Personal values, hidden until the reader gives a purpose (page-wide, forgotten on
 *  navigation) and asks to see them. The values live in this component's state only: never
 *  in the query cache, a URL, the title or storage. */
export function PersonalReveal<T extends object>({ fields, read }: Props<T>) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const { purpose, choose } = usePurpose();
  const [values, setValues] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setValues(await gatedRead(purpose, read));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (values && purpose) {
    const v = values as Record<string, unknown>;
    return (
      <div className="personal revealed">
        <dl className="facts">
          {fields.map((f) => (
            <div key={f} className="fact">
              <dt>{t(`fieldNames.${f}`)}</dt>
              <dd data-personal="true">{typeof v[f] === "string" && v[f] ? (v[f] as string) : t("privacy.empty")}</dd>
            </div>
          ))}
        </dl>
        <Button className="button" onPress={() => setValues(null)}>
          {t("privacy.hide")}
        </Button>
      </div>
    );
  }
  return (
    <div className="personal hidden-values">
      <p>
        <span aria-hidden="true">🔒 </span>
        {t("privacy.hidden", { count: fields.length })}
      </p>
      <div className="row">
        {/* The purpose is asked once per page: the other hidden values then need one press. */}
        {purpose ? (
          <span className="purpose-given">
            {t("privacy.purpose")}: {label("ReadPurpose")(purpose)}
          </span>
        ) : (
          <SelectField
            field="purpose"
            label={t("privacy.purpose")}
            options={investigationEnums.readPurposeValues}
            value={purpose}
            onChange={choose}
            labelOf={label("ReadPurpose")}
          />
        )}
        <Button className="button" isDisabled={!purpose || busy} onPress={() => void show()}>
          {t("privacy.show")}
        </Button>
      </div>
      <ErrorNote error={error} />
    </div>
  );
}
