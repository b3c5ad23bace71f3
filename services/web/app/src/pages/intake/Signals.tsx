import { useInfiniteQuery } from "@tanstack/react-query";
import { Button } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";
import { mySignals } from "./store";

export default function Signals() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const list = useInfiniteQuery(mySignals);
  const rows = list.data?.pages.flatMap((p) => p.signals) ?? [];
  return (
    <Page title={t("signal.listTitle")}>
      <p className="hint">{t("signal.listHint")}</p>
      <p>
        <Link to="/intake/signals/new">{t("signal.newTitle")}</Link>
      </p>
      {list.isPending ? <Loading /> : null}
      <ErrorNote error={list.error} />
      {list.data && rows.length === 0 ? <p>{t("signal.none")}</p> : null}
      {rows.length > 0 ? (
        <table>
          <caption className="sr-only">{t("signal.listTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("common.caseNumber")}</th>
              <th scope="col">{t("signal.source")}</th>
              <th scope="col">{t("common.urgency")}</th>
              <th scope="col">{t("common.stage")}</th>
              <th scope="col">{t("signal.routing")}</th>
              <th scope="col">{t("signal.receivedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.signal_id}>
                <td>
                  <Link to={`/intake/signals/${s.signal_id}`}>{s.case_number}</Link>
                </td>
                <td>{label("SignalSource")(s.source)}</td>
                <td>{label("Urgency")(s.urgency)}</td>
                <td>{label("Stage")(s.stage)}</td>
                <td data-testid="routing">{label("SignalStatus")(s.status)}</td>
                <td>
                  <When at={s.received_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.hasNextPage ? (
        <Button className="button" onPress={() => void list.fetchNextPage()} isDisabled={list.isFetchingNextPage}>
          {t("signal.older")}
        </Button>
      ) : null}
    </Page>
  );
}
