import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { idempotencyKey, investigation, unwrap } from "../../api/clients";
import { urgencyValues, type components } from "../../api/gen/investigation";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { SelectField } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import { lists } from "../lists";
import { EstablishmentFields, emptyEstablishment, establishmentBody } from "./EstablishmentFields";

type Urgency = components["schemas"]["Urgency"];

export default function Investigations() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const list = useQuery(lists.investigations);
  // The list she came for paints first; the form (react-aria's fields, the heavier half at a
  // slow CPU) follows in a deferred render right after.
  const formReady = useDeferredValue(true, false);
  return (
    <Page title={t("investigation.listTitle")}>
      {list.isPending ? <Loading /> : null}
      <ErrorNote error={list.error} />
      {list.data && list.data.length === 0 ? <p>{t("investigation.none")}</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <caption className="sr-only">{t("investigation.listTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("establishment.kind")}</th>
              <th scope="col">{t("establishment.province")}</th>
              <th scope="col">{t("common.urgency")}</th>
              <th scope="col">{t("investigation.origin")}</th>
              <th scope="col">{t("investigation.leads")}</th>
              <th scope="col">{t("investigation.visits")}</th>
              <th scope="col">{t("investigation.openedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((i) => (
              <tr key={i.investigation_id}>
                <td>
                  <Link to={`/investigations/${i.investigation_id}`}>{label("EstablishmentKind")(i.establishment.kind)}</Link>
                </td>
                <td>
                  {label("Province")(i.establishment.province)}
                  {i.establishment.district ? ` · ${i.establishment.district}` : ""}
                </td>
                <td>{label("Urgency")(i.urgency)}</td>
                <td>{label("InvestigationOrigin")(i.origin)}</td>
                <td>{i.leads.length}</td>
                <td>{i.visits.length}</td>
                <td>
                  <When at={i.opened_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {formReady ? <OpenForm /> : null}
    </Page>
  );
}

function OpenForm() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [est, setEst] = useState(emptyEstablishment);
  const [urgency, setUrgency] = useState<Urgency | null>(null);
  const [key] = useState(idempotencyKey);
  const open = useMutation({
    mutationFn: () => unwrap(investigation.POST("/investigations", { body: { idempotency_key: key, urgency: urgency!, establishment: establishmentBody(est)! } })),
    onSuccess: (inv) => {
      void qc.invalidateQueries({ queryKey: ["investigations"] });
      void navigate(`/investigations/${inv.investigation_id}`);
    },
  });
  const ready = !!establishmentBody(est) && !!urgency;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) open.mutate();
  };
  return (
    <section aria-labelledby="open-h">
      <h2 id="open-h">{t("investigation.openTitle")}</h2>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <EstablishmentFields value={est} onChange={setEst} />
        <SelectField field="urgency" label={t("common.urgency")} options={urgencyValues} value={urgency} onChange={setUrgency} labelOf={label("Urgency")} required />
        <ErrorNote error={open.error} />
        <Button type="submit" className="button primary" isDisabled={!ready || open.isPending}>
          {t("investigation.open")}
        </Button>
      </Form>
    </section>
  );
}
