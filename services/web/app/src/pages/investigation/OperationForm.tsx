import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Button, Checkbox, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { idempotencyKey, investigation, unwrap } from "../../api/clients";
import { rescueOutcomeValues, type components } from "../../api/gen/investigation";
import { todayInOrg } from "../../lib/time";
import { Day, ErrorNote } from "../../ui/Feedback";
import { Row, SelectField, TextInput, toInt } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";

type RescueOutcome = components["schemas"]["RescueOutcome"];
type OperationOut = components["schemas"]["OperationOut"];
interface Who {
  case_id: string;
  case_number?: string;
}
interface Row_ {
  outcome: RescueOutcome | null;
  children: string;
  medical: boolean;
}

const EMPTY_ROW: Row_ = { outcome: null, children: "", medical: false };

/** The rescue operation on a referral's establishment, with each person's outcome. Outcomes
 *  not known on the day are added later to the same operation. */
export function OperationForm({ referralId, persons, onDone, existing }: { referralId: string; persons: Who[]; onDone(): void; existing?: OperationOut }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const opKey = ["operation", referralId];
  const [op, setOp] = useState<OperationOut | null>(() => existing ?? qc.getQueryData<OperationOut>(opKey) ?? null);
  const [on, setOn] = useState(todayInOrg());
  const [rows, setRows] = useState<Record<string, Row_>>({});
  const [key] = useState(idempotencyKey);
  const decided = new Set(op?.outcomes.map((o) => o.case_id) ?? []);
  const pending = persons.filter((p) => !decided.has(p.case_id));
  const outcomes = pending
    .map((p) => ({ p, r: rows[p.case_id] }))
    .filter((x) => x.r?.outcome)
    .map(({ p, r }) => ({ case_id: p.case_id, outcome: r!.outcome!, children_with_her: toInt(r!.children) ?? 0, medical_urgency: r!.medical }));
  const save = useMutation({
    mutationFn: () =>
      op
        ? unwrap(investigation.POST("/legal/operations/{operation_id}/outcomes", { params: { path: { operation_id: op.operation_id } }, body: { outcomes } }))
        : unwrap(
            investigation.POST("/legal/referrals/{referral_id}/operations", {
              params: { path: { referral_id: referralId } },
              body: { idempotency_key: key, carried_out_on: on, outcomes },
            }),
          ),
    onSuccess: (out) => {
      qc.setQueryDefaults(opKey, { gcTime: Infinity });
      qc.setQueryData(opKey, out);
      setOp(out);
      setRows({});
      onDone();
    },
  });
  const set = (id: string, change: Partial<Row_>) =>
    setRows((rs) => ({ ...rs, [id]: { ...(rs[id] ?? EMPTY_ROW), ...change } }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const numberOf = (id: string) => persons.find((p) => p.case_id === id)?.case_number ?? id.slice(0, 8);
  return (
    <section aria-labelledby="op-h">
      <h2 id="op-h">{t("operation.title")}</h2>
      {op ? (
        <>
          <p>
            {t("operation.carriedOut")} <Day on={op.carried_out_on} />
          </p>
          <ul>
            {op.outcomes.map((o) => (
              <li key={o.case_id}>
                {numberOf(o.case_id)}: <strong>{label("RescueOutcome")(o.outcome)}</strong>
                {o.children_with_her ? ` · ${t("operation.childrenN", { n: o.children_with_her })}` : ""}
                {o.medical_urgency ? ` · ${t("operation.medical")}` : ""}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {pending.length > 0 ? (
        <Form onSubmit={submit} className="form" autoComplete="off">
          {!op ? <TextInput field="on" label={t("operation.on")} value={on} onChange={setOn} type="date" max={todayInOrg()} required /> : null}
          {pending.map((p) => (
            <fieldset key={p.case_id}>
              <legend>{numberOf(p.case_id)}</legend>
              <Row>
                <SelectField field="outcome"
                  label={t("operation.outcome")}
                  options={rescueOutcomeValues}
                  value={rows[p.case_id]?.outcome ?? null}
                  onChange={(v) => set(p.case_id, { outcome: v })}
                  labelOf={label("RescueOutcome")}
                />
                <TextInput field="children" label={t("signal.children")} value={rows[p.case_id]?.children ?? ""} onChange={(v) => set(p.case_id, { children: v })} type="number" />
                <Checkbox className="check" isSelected={rows[p.case_id]?.medical ?? false} onChange={(v) => set(p.case_id, { medical: v })}>
                  <span className="box" aria-hidden="true" />
                  {t("operation.medical")}
                </Checkbox>
              </Row>
            </fieldset>
          ))}
          <ErrorNote error={save.error} />
          <Button type="submit" className="button primary" isDisabled={save.isPending || (!!op && outcomes.length === 0)}>
            {op ? t("operation.recordOutcomes") : t("operation.record")}
          </Button>
        </Form>
      ) : null}
    </section>
  );
}
