import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Button } from "react-aria-components";
import { investigation, unwrap } from "../../api/clients";
import type { components } from "../../api/gen/investigation";
import { INBOX_KEY, lists } from "../lists";
import { useLiveRefresh } from "../../lib/live";
import { useSession } from "../../session/Session";
import { ErrorNote, Loading, Page, When } from "../../ui/Feedback";
import { useEnumLabel } from "../../ui/labels";

type Referral = components["schemas"]["InboxItemOut"];
type Assistance = components["schemas"]["AssistanceRequestOut"];
export { INBOX_KEY };

export default function Inbox() {
  const { t } = useTranslation();
  const inbox = useQuery(lists.inbox);
  const live = useLiveRefresh([INBOX_KEY], ["stage", "referral", "legal_assistance"]);
  return (
    <Page title={t("legal.inboxTitle")}>
      <p className={`live live-${live}`} role="status" data-testid="live">
        {t(`live.${live}`)}
      </p>
      {inbox.isPending ? <Loading /> : null}
      <ErrorNote error={inbox.error} />
      {inbox.data && inbox.data.length === 0 ? <p>{t("legal.empty")}</p> : null}
      {inbox.data && inbox.data.length > 0 ? (
        <table data-testid="inbox">
          <caption className="sr-only">{t("legal.inboxTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("legal.item")}</th>
              <th scope="col">{t("common.urgency")}</th>
              <th scope="col">{t("legal.about")}</th>
              <th scope="col">{t("legal.received")}</th>
              <th scope="col">{t("legal.handling")}</th>
            </tr>
          </thead>
          <tbody>
            {inbox.data.map((item) =>
              item.item === "legal_assistance" ? (
                <AssistanceRow key={(item as Assistance).request_id} a={item as Assistance} />
              ) : (
                <ReferralRow key={(item as Referral).referral_id} r={item as Referral} />
              ),
            )}
          </tbody>
        </table>
      ) : null}
      <p className="hint">{t("legal.liveHint")}</p>
    </Page>
  );
}

function Handling({ a, onAck, onTake, busy, error }: { a: { acknowledged_at: string | null; assigned_to: string | null }; onAck(): void; onTake(): void; busy: boolean; error: unknown }) {
  const { t } = useTranslation();
  const { me } = useSession();
  return (
    <td>
      {a.assigned_to ? <span>{t("legal.assignedTo", { who: a.assigned_to === me.user ? t("legal.me") : a.assigned_to })}</span> : null}
      {!a.acknowledged_at ? (
        <Button className="button small" onPress={onAck} isDisabled={busy}>
          {t("legal.acknowledge")}
        </Button>
      ) : null}
      {a.assigned_to !== me.user ? (
        <Button className="button small" onPress={onTake} isDisabled={busy}>
          {t("legal.takeIt")}
        </Button>
      ) : null}
      <ErrorNote error={error} />
    </td>
  );
}

function ReferralRow({ r }: { r: Referral }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { me } = useSession();
  const path = { params: { path: { referral_id: r.referral_id } } };
  const ack = useMutation({ mutationFn: () => unwrap(investigation.POST("/legal/referrals/{referral_id}/acknowledge", path)), onSuccess: () => qc.invalidateQueries({ queryKey: INBOX_KEY }) });
  const take = useMutation({
    mutationFn: () => unwrap(investigation.POST("/legal/referrals/{referral_id}/assign", { ...path, body: { assignee: me.user } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: INBOX_KEY }),
  });
  return (
    <tr data-referral={r.referral_id}>
      <td>
        <Link to={`/legal/referrals/${r.referral_id}`}>{t("legal.referral")}</Link>
      </td>
      <td>{label("Urgency")(r.urgency)}</td>
      <td>
        {label("EstablishmentKind")(r.establishment_kind)} · {label("Province")(r.province)} · {t("legal.casesN", { count: r.case_ids.length })}
        {r.indicators.length ? ` · ${r.indicators.map(label("Indicator")).join(", ")}` : ""}
      </td>
      <td>
        <When at={r.referred_at} />
      </td>
      <Handling a={r} onAck={() => ack.mutate()} onTake={() => take.mutate()} busy={ack.isPending || take.isPending} error={ack.error ?? take.error} />
    </tr>
  );
}

function AssistanceRow({ a }: { a: Assistance }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const { me } = useSession();
  const path = { params: { path: { request_id: a.request_id } } };
  const ack = useMutation({ mutationFn: () => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/acknowledge", path)), onSuccess: () => qc.invalidateQueries({ queryKey: INBOX_KEY }) });
  const take = useMutation({
    mutationFn: () => unwrap(investigation.POST("/legal/assistance-requests/{request_id}/assign", { ...path, body: { assignee: me.user } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: INBOX_KEY }),
  });
  return (
    <tr data-request={a.request_id}>
      <td>
        <Link to={`/legal/assistance/${a.request_id}`}>{t("legal.assistance")}</Link>
      </td>
      <td>{label("Urgency")(a.urgency)}</td>
      <td>
        {label("LegalAssistanceKind")(a.kind)} · {t("legal.centre", { centre: a.centre })}
      </td>
      <td>
        <When at={a.requested_at} />
      </td>
      <Handling a={a} onAck={() => ack.mutate()} onTake={() => take.mutate()} busy={ack.isPending || take.isPending} error={ack.error ?? take.error} />
    </tr>
  );
}
