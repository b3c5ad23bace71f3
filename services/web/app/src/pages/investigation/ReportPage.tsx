import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { investigation, unwrap } from "../../api/clients";
import { PersonalReveal } from "../../privacy/PersonalReveal";
import { Done, ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";
import { Button } from "react-aria-components";
import { OperationForm } from "./OperationForm";

export default function ReportPage() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { reportId = "" } = useParams();
  const key = ["reports", reportId];
  const report = useQuery({ queryKey: key, queryFn: () => unwrap(investigation.GET("/reports/{report_id}", { params: { path: { report_id: reportId } } })) });
  const refer = useMutation({
    mutationFn: () => unwrap(investigation.POST("/reports/{report_id}/legal-referral", { params: { path: { report_id: reportId } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: key }),
  });
  if (report.isPending) return <Loading />;
  if (!report.data) return <ErrorNote error={report.error} />;
  const r = report.data;
  return (
    <Page title={t("report.title")}>
      <dl className="facts">
        <dt>{t("report.filedAt")}</dt>
        <dd>
          <When at={r.filed_at} />
        </dd>
        <dt>{t("establishment.kind")}</dt>
        <dd>
          {label("EstablishmentKind")(r.establishment.kind)} · {label("Province")(r.establishment.province)}
          {r.establishment.district ? ` · ${r.establishment.district}` : ""}
        </dd>
        <dt>{t("common.urgency")}</dt>
        <dd>{label("Urgency")(r.urgency)}</dd>
        <dt>{t("report.referral")}</dt>
        <dd data-testid="referral">{r.referral_id ? t("report.referred") : t("report.notReferred")}</dd>
      </dl>
      <h2>{t("report.establishmentParticulars")}</h2>
      <PersonalReveal
        fields={["address", "operator_names"]}
        read={(purpose) => unwrap(investigation.GET("/reports/{report_id}/establishment", { params: { path: { report_id: reportId }, query: { purpose } } }))}
      />
      {!r.referral_id ? (
        <section aria-labelledby="refer-h">
          <h2 id="refer-h">{t("report.referTitle")}</h2>
          <p>{t("report.referHint")}</p>
          <ErrorNote error={refer.error} />
          <Button className="button primary" isDisabled={refer.isPending} onPress={() => refer.mutate()}>
            {t("report.refer")}
          </Button>
        </section>
      ) : refer.isSuccess ? (
        <Done>{t("report.referredDone")}</Done>
      ) : null}
      <h2>{t("report.persons", { count: r.persons.length })}</h2>
      <ol className="persons">
        {r.persons.map((p, i) => (
          <li key={p.case_id} className="person card">
            <h3>{t("report.person", { n: i + 1 })}</h3>
            <p>
              {p.case_number} · {label("Sex")(p.sex)}
              {p.approximate_age !== null ? ` · ${t("person.ageN", { n: p.approximate_age })}` : ""}
              {p.nationality ? ` · ${label("Nationality")(p.nationality)}` : ""}
              {p.language ? ` · ${label("Language")(p.language)}` : ""} · <strong>{label("Stage")(p.stage)}</strong>
            </p>
            <PersonalReveal
              fields={["name", "description"]}
              read={(purpose) =>
                unwrap(
                  investigation.GET("/reports/{report_id}/persons/{case_id}/identity", {
                    params: { path: { report_id: reportId, case_id: p.case_id }, query: { purpose } },
                  }),
                )
              }
            />
          </li>
        ))}
      </ol>
      {r.referral_id ? <OperationForm referralId={r.referral_id} persons={r.persons} onDone={() => void qc.invalidateQueries({ queryKey: key })} /> : null}
    </Page>
  );
}
