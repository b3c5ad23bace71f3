import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { lists } from "../lists";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";

export default function Reports() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const list = useQuery(lists.reports);
  return (
    <Page title={t("report.listTitle")}>
      <p>
        <Link to="/reports/new">{t("nav.newReport")}</Link>
      </p>
      {list.isPending ? <Loading /> : null}
      <ErrorNote error={list.error} />
      {list.data && list.data.length === 0 ? <p>{t("report.none")}</p> : null}
      {list.data && list.data.length > 0 ? (
        <table>
          <caption className="sr-only">{t("report.listTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("report.filedAt")}</th>
              <th scope="col">{t("establishment.kind")}</th>
              <th scope="col">{t("common.urgency")}</th>
              <th scope="col">{t("report.personsCol")}</th>
              <th scope="col">{t("report.referral")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((r) => (
              <tr key={r.report_id}>
                <td>
                  <Link to={`/reports/${r.report_id}`}>
                    <When at={r.filed_at} />
                  </Link>
                </td>
                <td>{label("EstablishmentKind")(r.establishment.kind)}</td>
                <td>{label("Urgency")(r.urgency)}</td>
                <td>{r.persons.length}</td>
                <td>{r.referral_id ? t("report.referred") : t("report.notReferred")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
