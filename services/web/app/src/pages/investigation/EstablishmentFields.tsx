import { useTranslation } from "react-i18next";
import { establishmentKindValues, type components } from "../../api/gen/investigation";
import { DISTRICT_PATTERN, PROVINCES } from "../../lib/codes";
import { Row, SelectField, TextInput } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";

export type EstablishmentIn = components["schemas"]["EstablishmentIn"];
export type EstablishmentDraft = { kind: EstablishmentIn["kind"] | null; province: string | null; district: string; address: string; operator_names: string };

export const emptyEstablishment = (): EstablishmentDraft => ({ kind: null, province: null, district: "", address: "", operator_names: "" });

export function establishmentBody(d: EstablishmentDraft): EstablishmentIn | null {
  if (!d.kind || !d.province || !d.district) return null;
  return { kind: d.kind, province: d.province, district: d.district, address: d.address || null, operator_names: d.operator_names || null };
}

export function EstablishmentFields({ value, onChange }: { value: EstablishmentDraft; onChange(d: EstablishmentDraft): void }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const set = <K extends keyof EstablishmentDraft>(k: K) => (v: EstablishmentDraft[K]) => onChange({ ...value, [k]: v });
  return (
    <fieldset>
      <legend>{t("establishment.title")}</legend>
      <Row>
        <SelectField field="kind" label={t("establishment.kind")} options={establishmentKindValues} value={value.kind} onChange={set("kind")} labelOf={label("EstablishmentKind")} required />
        <SelectField field="province" label={t("establishment.province")} options={PROVINCES} value={value.province} onChange={set("province")} labelOf={label("Province")} required />
        <TextInput field="district" label={t("establishment.district")} value={value.district} onChange={set("district")} pattern={DISTRICT_PATTERN} required />
      </Row>
      <Row>
        <TextInput field="address" label={t("fieldNames.address")} value={value.address} onChange={set("address")} personal />
        <TextInput field="operator_names" label={t("fieldNames.operator_names")} value={value.operator_names} onChange={set("operator_names")} personal />
      </Row>
    </fieldset>
  );
}
