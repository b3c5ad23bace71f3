import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Checkbox, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { idempotencyKey, intake, unwrap } from "../../api/clients";
import { signalSourceValues, urgencyValues, type components } from "../../api/gen/intake";
import { LANGUAGES } from "../../lib/codes";
import { ErrorNote, Page } from "../../ui/Feedback";
import { Row, SelectField, TextInput, toInt } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import { signalChanged } from "./store";

type SignalIn = components["schemas"]["SignalIn"];
type Source = components["schemas"]["SignalSource"];
type Urgency = components["schemas"]["Urgency"];

export default function NewSignal() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [source, setSource] = useState<Source | null>(null);
  const [urgency, setUrgency] = useState<Urgency | null>(null);
  const [needsShelter, setNeedsShelter] = useState(false);
  const [minor, setMinor] = useState(false);
  const [children, setChildren] = useState("");
  const [language, setLanguage] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [aliases, setAliases] = useState("");
  const [phone, setPhone] = useState("");
  const [notes, setNotes] = useState("");
  // One key per form: a retried submission is answered with the first record.
  const [key] = useState(idempotencyKey);

  const save = useMutation({
    mutationFn: (body: SignalIn) => unwrap(intake.POST("/signals", { body })),
    onSuccess: (signal) => {
      signalChanged(qc, signal);
      void navigate(`/intake/signals/${signal.signal_id}`);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!source || !urgency) return;
    save.mutate({
      idempotency_key: key,
      source,
      urgency,
      needs_shelter: needsShelter,
      apparent_minor: minor,
      children_with_her: toInt(children) ?? 0,
      language,
      name: name || null,
      aliases: aliases || null,
      phone: phone || null,
      notes: notes || null,
    });
  };

  return (
    <Page title={t("signal.newTitle")}>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <SelectField field="source" label={t("signal.source")} options={signalSourceValues} value={source} onChange={setSource} labelOf={label("SignalSource")} required />
          <SelectField field="urgency" label={t("common.urgency")} options={urgencyValues} value={urgency} onChange={setUrgency} labelOf={label("Urgency")} required />
          <SelectField field="language" label={t("common.language")} options={LANGUAGES} value={language} onChange={setLanguage} labelOf={label("Language")} />
        </Row>
        <Row>
          <Checkbox className="check" isSelected={needsShelter} onChange={setNeedsShelter}>
            <span className="box" aria-hidden="true" />
            {t("signal.needsShelter")}
          </Checkbox>
          <Checkbox className="check" isSelected={minor} onChange={setMinor}>
            <span className="box" aria-hidden="true" />
            {t("signal.apparentMinor")}
          </Checkbox>
          <TextInput field="children" label={t("signal.children")} value={children} onChange={setChildren} type="number" />
        </Row>
        <fieldset>
          <legend>{t("privacy.personalSection")}</legend>
          <Row>
            <TextInput field="name" label={t("fieldNames.name")} value={name} onChange={setName} personal />
            <TextInput field="aliases" label={t("fieldNames.aliases")} value={aliases} onChange={setAliases} personal />
            <TextInput field="phone" label={t("fieldNames.phone")} value={phone} onChange={setPhone} personal type="tel" />
          </Row>
          <TextInput field="notes" label={t("fieldNames.notes")} value={notes} onChange={setNotes} personal multiline />
        </fieldset>
        <ErrorNote error={save.error} />
        <Button type="submit" className="button primary" isDisabled={save.isPending || !source || !urgency}>
          {t("signal.record")}
        </Button>
      </Form>
    </Page>
  );
}
