import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { idempotencyKey, intake, unwrap } from "../../api/clients";
import { DISTRICT_PATTERN, PROVINCES } from "../../lib/codes";
import { todayInOrg } from "../../lib/time";
import { Day, Done, ErrorNote, Page } from "../../ui/Feedback";
import { Row, SelectField, TextInput, toInt } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";

export default function Outreach() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const [on, setOn] = useState(todayInOrg());
  const [province, setProvince] = useState<string | null>(null);
  const [district, setDistrict] = useState("");
  const [areas, setAreas] = useState("");
  const [contacts, setContacts] = useState("");
  const [consults, setConsults] = useState("");
  const [key, setKey] = useState(idempotencyKey);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        intake.POST("/outreach", {
          body: {
            idempotency_key: key,
            on,
            province: province!,
            district: district || null,
            entertainment_areas_visited: toInt(areas) ?? 0,
            educational_contacts: toInt(contacts) ?? 0,
            clinic_consultations: toInt(consults) ?? 0,
          },
        }),
      ),
    onSuccess: () => setKey(idempotencyKey()),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (province) save.mutate();
  };
  return (
    <Page title={t("outreach.title")}>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <TextInput field="on" label={t("outreach.on")} value={on} onChange={setOn} type="date" max={todayInOrg()} required />
          <SelectField field="province" label={t("establishment.province")} options={PROVINCES} value={province} onChange={setProvince} labelOf={label("Province")} required />
          <TextInput field="district" label={t("establishment.district")} value={district} onChange={setDistrict} pattern={DISTRICT_PATTERN} />
        </Row>
        <Row>
          <TextInput field="areas" label={t("outreach.areas")} value={areas} onChange={setAreas} type="number" />
          <TextInput field="contacts" label={t("outreach.contacts")} value={contacts} onChange={setContacts} type="number" />
          <TextInput field="consultations" label={t("outreach.consultations")} value={consults} onChange={setConsults} type="number" />
        </Row>
        <ErrorNote error={save.error} />
        <Button type="submit" className="button primary" isDisabled={save.isPending || !province}>
          {t("common.save")}
        </Button>
      </Form>
      {save.data ? (
        <Done>
          {t("outreach.saved")} <Day on={save.data.on} />: {save.data.entertainment_areas_visited} / {save.data.educational_contacts} / {save.data.clinic_consultations}
        </Done>
      ) : null}
    </Page>
  );
}
