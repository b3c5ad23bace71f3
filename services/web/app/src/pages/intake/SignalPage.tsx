import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { intake, unwrap } from "../../api/clients";
import { closureReasonValues, establishmentKindValues, indicatorValues, urgencyValues, type components } from "../../api/gen/intake";
import { DISTRICT_PATTERN, LEAD_REASONS, PLACEMENT_REASONS, PROVINCES } from "../../lib/codes";
import { PersonalReveal } from "../../privacy/PersonalReveal";
import { Done, ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { Checks, Row, SelectField, TextInput, toInt } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import { signalChanged, signalQuery } from "./store";
type LeadReason = components["schemas"]["LeadReason"];

type Kind = components["schemas"]["EstablishmentKind"];
type Indicator = components["schemas"]["Indicator"];
type Urgency = components["schemas"]["Urgency"];
type ClosureReason = components["schemas"]["ClosureReason"];

// A lead's reason, a closure's or a placement's: the service keeps the last routing reason
// (a code) and the status says which kind it is.
const REASON_KIND = {
  routed_to_investigation: "LeadReason",
  linked_to_lead: "LeadReason",
  closed: "ClosureReason",
  placement_requested: "PlacementReason",
} as const;

export default function SignalPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const { signalId = "" } = useParams();
  // From the service, not from memory: a page opened from the list, or reloaded, works alike.
  const one = useQuery(signalQuery(signalId));
  const s = one.data;
  if (!s) {
    return (
      <Page title={t("signal.title")}>
        {one.isPending ? <Loading /> : null}
        <ErrorNote error={one.error} />
        <Link to="/intake/signals">{t("nav.signals")}</Link>
      </Page>
    );
  }
  const open = s.status === "open" || s.status === "placement_requested";
  const reasonKind = s.status === "open" ? null : REASON_KIND[s.status];
  return (
    <Page title={t("signal.title")}>
      <dl className="facts">
        <dt>{t("common.caseNumber")}</dt>
        <dd data-testid="case-number">{s.case_number}</dd>
        <dt>{t("signal.source")}</dt>
        <dd>{label("SignalSource")(s.source)}</dd>
        <dt>{t("common.urgency")}</dt>
        <dd>{label("Urgency")(s.urgency)}</dd>
        <dt>{t("signal.receivedAt")}</dt>
        <dd>
          <When at={s.received_at} />
        </dd>
        <dt>{t("common.stage")}</dt>
        <dd>{label("Stage")(s.stage)}</dd>
        <dt>{t("signal.routing")}</dt>
        <dd data-testid="routing">
          {label("SignalStatus")(s.status)}
          {s.status === "linked_to_lead" ? ` · ${t("signal.linked")}` : null}
          {s.status === "routed_to_investigation" ? ` · ${t("signal.newInvestigation")}` : null}
        </dd>
        {reasonKind && s.routing_reason ? (
          <>
            <dt>{s.status === "closed" ? t("signal.closedWhy") : s.status === "placement_requested" ? t("signal.placement") : t("signal.routedWhy")}</dt>
            <dd data-testid="routing-reason">{label(reasonKind)(s.routing_reason)}</dd>
          </>
        ) : null}
      </dl>
      <h2>{t("signal.person")}</h2>
      <PersonalReveal
        fields={["name", "aliases", "phone", "notes"]}
        read={(purpose) => unwrap(intake.GET("/signals/{signal_id}/person", { params: { path: { signal_id: signalId }, query: { purpose } } }))}
      />
      {open && !s.lead_id ? <RouteForm signalId={signalId} /> : null}
      {s.needs_shelter && s.status !== "placement_requested" && s.status !== "closed" ? <PlacementForm signalId={signalId} /> : null}
      {s.status === "open" ? <CloseForm signalId={signalId} /> : null}
    </Page>
  );
}

function RouteForm({ signalId }: { signalId: string }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind | null>(null);
  const [province, setProvince] = useState<string | null>(null);
  const [district, setDistrict] = useState("");
  const [estName, setEstName] = useState("");
  const [address, setAddress] = useState("");
  const [indicators, setIndicators] = useState<Indicator[]>([]);
  const [persons, setPersons] = useState("");
  const [reason, setReason] = useState<string | null>(null);
  const [urgency, setUrgency] = useState<Urgency | null>(null);
  const route = useMutation({
    mutationFn: () =>
      unwrap(
        intake.POST("/signals/{signal_id}/lead", {
          params: { path: { signal_id: signalId } },
          body: {
            establishment: { kind: kind!, province: province!, district: district || null, name: estName || null, address: address || null },
            indicators,
            persons_reported: toInt(persons) ?? 1,
            reason: reason! as LeadReason,
            urgency: urgency!,
          },
        }),
      ),
    onSuccess: (out) => {
      signalChanged(qc, out.signal);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (kind && province && reason && urgency) route.mutate();
  };
  return (
    <section aria-labelledby="route-h">
      <h2 id="route-h">{t("signal.routeTitle")}</h2>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <SelectField field="kind" label={t("establishment.kind")} options={establishmentKindValues} value={kind} onChange={setKind} labelOf={label("EstablishmentKind")} required />
          <SelectField field="province" label={t("establishment.province")} options={PROVINCES} value={province} onChange={setProvince} labelOf={label("Province")} required />
          <TextInput field="district" label={t("establishment.district")} value={district} onChange={setDistrict} pattern={DISTRICT_PATTERN} />
        </Row>
        <Row>
          <TextInput field="establishment_name" label={t("fieldNames.establishment_name")} value={estName} onChange={setEstName} personal />
          <TextInput field="address" label={t("fieldNames.address")} value={address} onChange={setAddress} personal />
        </Row>
        <Checks field="indicators" label={t("common.indicators")} options={indicatorValues} value={indicators} onChange={setIndicators} labelOf={label("Indicator")} />
        <Row>
          <TextInput field="personsReported" label={t("signal.personsReported")} value={persons} onChange={setPersons} type="number" />
          <SelectField field="routeReason" label={t("signal.routeReason")} options={LEAD_REASONS} value={reason} onChange={setReason} labelOf={label("LeadReason")} required />
          <SelectField field="urgency" label={t("common.urgency")} options={urgencyValues} value={urgency} onChange={setUrgency} labelOf={label("Urgency")} required />
        </Row>
        <ErrorNote error={route.error} />
        <Button type="submit" className="button primary" isDisabled={route.isPending || !kind || !province || !reason || !urgency}>
          {t("signal.route")}
        </Button>
      </Form>
    </section>
  );
}

function PlacementForm({ signalId }: { signalId: string }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const [reason, setReason] = useState<string | null>(null);
  const ask = useMutation({
    mutationFn: (r: string) =>
      unwrap(intake.POST("/signals/{signal_id}/placement-request", { params: { path: { signal_id: signalId } }, body: { reason: r as never } })),
    onSuccess: (signal) => {
      signalChanged(qc, signal);
    },
  });
  return (
    <section aria-labelledby="placement-h">
      <h2 id="placement-h">{t("signal.placementTitle")}</h2>
      <Form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason) ask.mutate(reason);
        }}
      >
        <SelectField field="placementReason" label={t("signal.placementReason")} options={PLACEMENT_REASONS} value={reason} onChange={setReason} labelOf={label("PlacementReason")} required />
        <ErrorNote error={ask.error} />
        <Button type="submit" className="button" isDisabled={!reason || ask.isPending}>
          {t("signal.requestPlacement")}
        </Button>
      </Form>
      {ask.isSuccess ? <Done>{t("signal.placementDone")}</Done> : null}
    </section>
  );
}

function CloseForm({ signalId }: { signalId: string }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const [reason, setReason] = useState<ClosureReason | null>(null);
  const close = useMutation({
    mutationFn: (r: ClosureReason) => unwrap(intake.POST("/signals/{signal_id}/closure", { params: { path: { signal_id: signalId } }, body: { reason: r } })),
    onSuccess: (signal) => {
      signalChanged(qc, signal);
    },
  });
  return (
    <section aria-labelledby="close-h">
      <h2 id="close-h">{t("signal.closeTitle")}</h2>
      <Form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason) close.mutate(reason);
        }}
      >
        <SelectField field="reason" label={t("common.reason")} options={closureReasonValues} value={reason} onChange={setReason} labelOf={label("ClosureReason")} required />
        <ErrorNote error={close.error} />
        <Button type="submit" className="button" isDisabled={!reason || close.isPending}>
          {t("signal.close")}
        </Button>
      </Form>
    </section>
  );
}
