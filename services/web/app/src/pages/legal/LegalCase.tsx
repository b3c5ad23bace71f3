import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { investigation, unwrap } from "../../api/clients";
import { milestoneValues, verdictValues, type components } from "../../api/gen/investigation";
import { todayInOrg } from "../../lib/time";
import { useSession } from "../../session/Session";
import { Day, ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { Row, SelectField, TextInput, toInt } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import { OperationForm } from "../investigation/OperationForm";
import { INBOX_KEY, lists } from "../lists";
import { HandlingForm } from "./HandlingForm";

type Milestone = components["schemas"]["Milestone"];
type Recordable = components["schemas"]["MilestoneIn"]["milestone"];
type Verdict = components["schemas"]["Verdict"];
type InboxItem = components["schemas"]["InboxItemOut"];

/** The steps recorded directly; `operation_carried_out` is recorded by the operation itself. */
const RECORDABLE = milestoneValues.filter((m): m is Recordable => m !== "operation_carried_out");

export default function LegalCase() {
  const { t } = useTranslation();
  const { me } = useSession();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { referralId = "" } = useParams();
  const key = ["legal", "referral", referralId];
  const path = { params: { path: { referral_id: referralId } } };
  const lc = useQuery({ queryKey: key, queryFn: () => unwrap(investigation.GET("/legal/referrals/{referral_id}", { params: { path: { referral_id: referralId } } })) });
  // The referral's case numbers come with the inbox only: fetched here too when the page is
  // opened directly (a reload, a link), not only reached from the inbox.
  const inbox = useQuery(lists.inbox);
  if (lc.isPending) return <Loading />;
  if (!lc.data) return <ErrorNote error={lc.error} />;
  const c = lc.data;
  const done = new Map(c.milestones.map((m) => [m.milestone, m]));
  const inboxItem = (inbox.data ?? []).find((i) => (i as InboxItem).referral_id === referralId) as InboxItem | undefined;
  const persons = c.case_ids.map((id, i) => ({ case_id: id, case_number: inboxItem?.case_numbers[i] }));
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: key });
    void qc.invalidateQueries({ queryKey: INBOX_KEY });
  };
  return (
    <Page title={t("legal.caseTitle")}>
      <dl className="facts">
        <dt>{t("common.urgency")}</dt>
        <dd>{label("Urgency")(c.urgency)}</dd>
        <dt>{t("legal.received")}</dt>
        <dd>
          <When at={c.referred_at} />
        </dd>
        <dt>{t("legal.casesCol")}</dt>
        <dd>{persons.map((p) => p.case_number ?? p.case_id.slice(0, 8)).join(", ")}</dd>
        <dt>{t("legal.handling")}</dt>
        <dd>
          {c.acknowledged_at ? t("legal.acknowledgedAt") : t("legal.notAcknowledged")} {c.acknowledged_at ? <When at={c.acknowledged_at} /> : null}
          {c.assigned_to ? ` · ${t("legal.assignedTo", { who: c.assigned_to === me.user ? t("legal.me") : c.assigned_to })}` : ""}
        </dd>
      </dl>
      <section aria-labelledby="assign-h">
        <h2 id="assign-h">{t("legal.assignTitle")}</h2>
        <HandlingForm
          acknowledge={() => unwrap(investigation.POST("/legal/referrals/{referral_id}/acknowledge", path))}
          assign={(assignee) => unwrap(investigation.POST("/legal/referrals/{referral_id}/assign", { ...path, body: { assignee } }))}
          acknowledged={c.acknowledged_at !== null}
          mine={c.assigned_to === me.user}
          onDone={refresh}
        />
      </section>
      <h2>{t("legal.track")}</h2>
      <ol className="track" data-testid="track">
        {milestoneValues.map((m) => {
          const got = done.get(m);
          return (
            <li key={m} className={got ? "step done" : "step"} data-step={m}>
              <strong>{label("Milestone")(m)}</strong>{" "}
              {got ? (
                <>
                  · <Day on={got.occurred_on} />
                  {got.accused_count !== null ? ` · ${t("legal.accusedN", { count: got.accused_count })}` : ""}
                  {got.verdicts.length ? ` · ${got.verdicts.map((v) => label("Verdict")(v.verdict) + (v.sentence_months ? ` (${t("legal.monthsN", { count: v.sentence_months })})` : "")).join(", ")}` : ""}
                </>
              ) : (
                <span className="pending-step">· {t("legal.notYet")}</span>
              )}
            </li>
          );
        })}
      </ol>
      {/* Keyed by the steps done: once one is recorded the form starts again at the next. */}
      {RECORDABLE.every((m) => done.has(m)) ? (
        <p data-testid="track-complete">{t("legal.trackComplete")}</p>
      ) : (
        <MilestoneForm key={[...done.keys()].join(",")} referralId={referralId} onDone={refresh} nextOf={(m: Milestone) => !done.has(m)} />
      )}
      {c.operations.length === 0 ? (
        <OperationForm referralId={referralId} persons={persons} onDone={refresh} />
      ) : (
        c.operations.map((op) => <OperationForm key={op.operation_id} referralId={referralId} persons={persons} onDone={refresh} existing={op} />)
      )}
    </Page>
  );
}


function MilestoneForm({ referralId, onDone, nextOf }: { referralId: string; onDone(): void; nextOf(m: Milestone): boolean }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const [step, setStep] = useState<Recordable | null>(() => RECORDABLE.find(nextOf) ?? null);
  const [on, setOn] = useState(todayInOrg());
  const [accused, setAccused] = useState("");
  const [verdicts, setVerdicts] = useState<{ verdict: Verdict | null; months: string }[]>([{ verdict: null, months: "" }]);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        investigation.POST("/legal/referrals/{referral_id}/milestones", {
          params: { path: { referral_id: referralId } },
          body: {
            milestone: step!,
            occurred_on: on,
            accused_count: step === "charges_filed" ? (toInt(accused) ?? null) : null,
            verdicts:
              step === "verdict"
                ? verdicts.filter((v) => v.verdict).map((v) => ({ verdict: v.verdict!, sentence_months: v.verdict === "convicted" ? (toInt(v.months) ?? null) : null }))
                : [],
          },
        }),
      ),
    onSuccess: onDone,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (step) save.mutate();
  };
  return (
    <section aria-labelledby="ms-h">
      <h2 id="ms-h">{t("legal.recordStep")}</h2>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <SelectField field="step" label={t("legal.step")} options={RECORDABLE} value={step} onChange={setStep} labelOf={label("Milestone")} required />
          <TextInput field="occurredOn" label={t("legal.occurredOn")} value={on} onChange={setOn} type="date" max={todayInOrg()} required />
          {step === "charges_filed" ? <TextInput field="accused" label={t("legal.accused")} value={accused} onChange={setAccused} type="number" required /> : null}
        </Row>
        {step === "verdict" ? (
          <fieldset>
            <legend>{t("legal.verdicts")}</legend>
            {verdicts.map((v, i) => (
              <Row key={i}>
                <SelectField field="verdictN"
                  label={t("legal.verdictN", { n: i + 1 })}
                  options={verdictValues}
                  value={v.verdict}
                  onChange={(x) => setVerdicts(verdicts.map((y, j) => (j === i ? { ...y, verdict: x } : y)))}
                  labelOf={label("Verdict")}
                />
                {v.verdict === "convicted" ? (
                  <TextInput field="sentenceMonths" label={t("legal.sentenceMonths")} value={v.months} onChange={(x) => setVerdicts(verdicts.map((y, j) => (j === i ? { ...y, months: x } : y)))} type="number" />
                ) : null}
              </Row>
            ))}
            <Button className="button" onPress={() => setVerdicts([...verdicts, { verdict: null, months: "" }])}>
              {t("legal.addVerdict")}
            </Button>
          </fieldset>
        ) : null}
        <ErrorNote error={save.error} />
        <Button type="submit" className="button primary" isDisabled={!step || save.isPending}>
          {t("legal.recordStepButton")}
        </Button>
      </Form>
    </section>
  );
}
