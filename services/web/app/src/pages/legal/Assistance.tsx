import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { investigation, unwrap } from "../../api/clients";
import { useSession } from "../../session/Session";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";
import { HandlingForm } from "./HandlingForm";
import { INBOX_KEY } from "./Inbox";

export default function Assistance() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { me } = useSession();
  const { requestId = "" } = useParams();
  const key = ["legal", "assistance", requestId];
  const path = { params: { path: { request_id: requestId } } };
  const req = useQuery({ queryKey: key, queryFn: () => unwrap(investigation.GET("/legal/assistance-requests/{request_id}", path)) });
  const done = (data: unknown) => {
    qc.setQueryData(key, data);
    void qc.invalidateQueries({ queryKey: INBOX_KEY });
  };
  if (req.isPending) return <Loading />;
  if (!req.data) return <ErrorNote error={req.error} />;
  const a = req.data;
  return (
    <Page title={t("legal.assistanceTitle")}>
      <dl className="facts">
        <dt>{t("legal.kind")}</dt>
        <dd>{label("LegalAssistanceKind")(a.kind)}</dd>
        <dt>{t("common.urgency")}</dt>
        <dd>{label("Urgency")(a.urgency)}</dd>
        <dt>{t("legal.centreCol")}</dt>
        <dd>{a.centre}</dd>
        <dt>{t("legal.received")}</dt>
        <dd>
          <When at={a.requested_at} />
        </dd>
        <dt>{t("legal.handling")}</dt>
        <dd>
          {a.acknowledged_at ? t("legal.acknowledgedAt") : t("legal.notAcknowledged")} {a.acknowledged_at ? <When at={a.acknowledged_at} /> : null}
          {a.assigned_to ? ` · ${t("legal.assignedTo", { who: a.assigned_to === me.user ? t("legal.me") : a.assigned_to })}` : ""}
        </dd>
      </dl>
      <HandlingForm
        acknowledge={() => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/acknowledge", path))}
        assign={(assignee) => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/assign", { ...path, body: { assignee } }))}
        acknowledged={a.acknowledged_at !== null}
        mine={a.assigned_to === me.user}
        onDone={done}
      />
    </Page>
  );
}
