import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { idempotencyKey, investigation, unwrap } from "../../api/clients";
import { closeReasonValues, type components } from "../../api/gen/investigation";
import { todayInOrg } from "../../lib/time";
import { PersonalReveal } from "../../privacy/PersonalReveal";
import { useSession } from "../../session/Session";
import { Day, ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { Row, SelectField, TextInput } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";

type CloseReason = components["schemas"]["CloseReason"];

export default function InvestigationPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const { investigationId = "" } = useParams();
  const key = ["investigations", investigationId];
  const inv = useQuery({
    queryKey: key,
    queryFn: () => unwrap(investigation.GET("/investigations/{investigation_id}", { params: { path: { investigation_id: investigationId } } })),
  });
  if (inv.isPending) return <Loading />;
  if (!inv.data) return <ErrorNote error={inv.error} />;
  const i = inv.data;
  const closed = i.closed_at !== null;
  return (
    <Page title={t("investigation.title")}>
      <dl className="facts">
        <dt>{t("establishment.kind")}</dt>
        <dd>{label("EstablishmentKind")(i.establishment.kind)}</dd>
        <dt>{t("establishment.province")}</dt>
        <dd>{label("Province")(i.establishment.province)}</dd>
        <dt>{t("establishment.district")}</dt>
        <dd>{i.establishment.district ?? "—"}</dd>
        <dt>{t("common.urgency")}</dt>
        <dd>{label("Urgency")(i.urgency)}</dd>
        <dt>{t("investigation.origin")}</dt>
        <dd>{label("InvestigationOrigin")(i.origin)}</dd>
        <dt>{t("investigation.openedAt")}</dt>
        <dd>
          <When at={i.opened_at} />
        </dd>
        {closed ? (
          <>
            <dt>{t("investigation.closedBecause")}</dt>
            <dd>{i.close_reason ? label("CloseReason")(i.close_reason) : "—"}</dd>
          </>
        ) : null}
      </dl>
      {!closed ? (
        <p>
          <Link className="button primary" to={`/investigations/${investigationId}/report`}>
            {t("report.fileForInvestigation")}
          </Link>
        </p>
      ) : null}
      <h2>{t("investigation.leads")}</h2>
      {i.leads.length === 0 ? (
        <p>{t("investigation.noLeads")}</p>
      ) : (
        <ul>
          {i.leads.map((l) => (
            <li key={l.lead_id}>
              <When at={l.received_at} /> · {label("Urgency")(l.urgency)} · {t("investigation.personsReported", { count: l.persons_reported })}
              {l.indicators.length ? ` · ${l.indicators.map(label("Indicator")).join(", ")}` : ""}
            </li>
          ))}
        </ul>
      )}
      <h2>{t("investigation.visits")}</h2>
      {i.visits.length === 0 ? <p>{t("investigation.noVisits")}</p> : null}
      {i.visits.map((v) => (
        <article key={v.visit_id} className="card">
          <h3>
            <Day on={v.visited_on} />
          </h3>
          <p>
            {t("visit.investigators")}: {v.investigators.join(", ")}
          </p>
          <PersonalReveal
            fields={["observations"]}
            read={(purpose) =>
              unwrap(
                investigation.GET("/investigations/{investigation_id}/visits/{visit_id}/observations", {
                  params: { path: { investigation_id: investigationId, visit_id: v.visit_id }, query: { purpose } },
                }),
              )
            }
          />
        </article>
      ))}
      {!closed ? <VisitForm investigationId={investigationId} /> : null}
      {!closed ? <CloseForm investigationId={investigationId} /> : null}
    </Page>
  );
}

function VisitForm({ investigationId }: { investigationId: string }) {
  const { t } = useTranslation();
  const { me } = useSession();
  const qc = useQueryClient();
  const [on, setOn] = useState(todayInOrg());
  const [who, setWho] = useState(me.username);
  const [obs, setObs] = useState("");
  const [key, setKey] = useState(idempotencyKey);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        investigation.POST("/investigations/{investigation_id}/visits", {
          params: { path: { investigation_id: investigationId } },
          body: { idempotency_key: key, visited_on: on, investigators: who.split(",").map((s) => s.trim()).filter(Boolean), observations: obs || null },
        }),
      ),
    onSuccess: (inv) => {
      qc.setQueryData(["investigations", investigationId], inv);
      setObs("");
      setKey(idempotencyKey());
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <section aria-labelledby="visit-h">
      <h2 id="visit-h">{t("visit.title")}</h2>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <TextInput field="on" label={t("visit.on")} value={on} onChange={setOn} type="date" max={todayInOrg()} required />
          <TextInput field="investigatorsHint" label={t("visit.investigatorsHint")} value={who} onChange={setWho} required />
        </Row>
        <TextInput field="observations" label={t("fieldNames.observations")} value={obs} onChange={setObs} personal multiline />
        <ErrorNote error={save.error} />
        <Button type="submit" className="button primary" isDisabled={save.isPending}>
          {t("visit.record")}
        </Button>
      </Form>
    </section>
  );
}

function CloseForm({ investigationId }: { investigationId: string }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const [reason, setReason] = useState<CloseReason | null>(null);
  const close = useMutation({
    mutationFn: (r: CloseReason) =>
      unwrap(investigation.POST("/investigations/{investigation_id}/close", { params: { path: { investigation_id: investigationId } }, body: { reason: r } })),
    onSuccess: (inv) => qc.setQueryData(["investigations", investigationId], inv),
  });
  return (
    <section aria-labelledby="iclose-h">
      <h2 id="iclose-h">{t("investigation.closeTitle")}</h2>
      <Form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason) close.mutate(reason);
        }}
      >
        <SelectField field="reason" label={t("common.reason")} options={closeReasonValues} value={reason} onChange={setReason} labelOf={label("CloseReason")} required />
        <ErrorNote error={close.error} />
        <Button type="submit" className="button" isDisabled={!reason || close.isPending}>
          {t("investigation.close")}
        </Button>
      </Form>
    </section>
  );
}
