import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { investigation, unwrap } from "../../api/clients";
import { useSession } from "../../session/Session";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { Row, TextInput } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
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
  const ack = useMutation({ mutationFn: () => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/acknowledge", path)), onSuccess: done });
  const assign = useMutation({
    mutationFn: (assignee: string) => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/assign", { ...path, body: { assignee } })),
    onSuccess: done,
  });
  const [who, setWho] = useState("");
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
      <Form
        className="form"
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          if (who.trim()) assign.mutate(who.trim());
        }}
      >
        <Row>
          <Button className="button" onPress={() => ack.mutate()} isDisabled={ack.isPending}>
            {t("legal.acknowledge")}
          </Button>
          <Button className="button" onPress={() => assign.mutate(me.user)} isDisabled={assign.isPending}>
            {t("legal.takeIt")}
          </Button>
          <TextInput field="colleague" label={t("legal.colleague")} value={who} onChange={setWho} />
          <Button type="submit" className="button" isDisabled={!who.trim() || assign.isPending}>
            {t("legal.assign")}
          </Button>
        </Row>
        <ErrorNote error={ack.error ?? assign.error} />
      </Form>
    </Page>
  );
}
