import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";
import { RECENT_KEY, recentSignals } from "./store";

export default function Signals() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { data = [] } = useQuery({ queryKey: RECENT_KEY, queryFn: () => recentSignals(qc), staleTime: Infinity, gcTime: Infinity });
  return (
    <Page title={t("signal.listTitle")}>
      <p className="hint">{t("signal.listHint")}</p>
      {data.length === 0 ? (
        <p>{t("signal.none")}</p>
      ) : (
        <table>
          <caption className="sr-only">{t("signal.listTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("common.caseNumber")}</th>
              <th scope="col">{t("signal.source")}</th>
              <th scope="col">{t("common.urgency")}</th>
              <th scope="col">{t("common.stage")}</th>
              <th scope="col">{t("signal.routing")}</th>
              <th scope="col">{t("common.recordedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr key={r.signal.signal_id}>
                <td>
                  <Link to={`/intake/signals/${r.signal.signal_id}`}>{r.signal.case_number}</Link>
                </td>
                <td>{label("SignalSource")(r.signal.source)}</td>
                <td>{label("Urgency")(r.signal.urgency)}</td>
                <td>{label("Stage")(r.signal.stage)}</td>
                <td>{label("SignalStatus")(r.signal.status)}</td>
                <td>
                  <When at={r.recordedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
