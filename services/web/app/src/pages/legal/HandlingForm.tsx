import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useSession } from "../../session/Session";
import { Done, ErrorNote } from "../../ui/Feedback";
import { Row, TextInput } from "../../ui/Fields";

/** Acknowledge, take it on, or hand it to a colleague: the same for a legal referral and a
 * centre's request for legal help, each with its own two calls. A done acknowledgement, or
 * one already hers, is not offered again (a second press would only repeat what is
 * recorded). */
export function HandlingForm({
  acknowledge,
  assign,
  acknowledged,
  mine,
  onDone,
}: {
  acknowledge(): Promise<unknown>;
  assign(assignee: string): Promise<unknown>;
  acknowledged: boolean;
  mine: boolean;
  onDone(data: unknown): void;
}) {
  const { t } = useTranslation();
  const { me } = useSession();
  const [who, setWho] = useState("");
  const ack = useMutation({ mutationFn: acknowledge, onSuccess: onDone });
  const give = useMutation({ mutationFn: assign, onSuccess: onDone });
  return (
    <Form
      className="form"
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        if (who.trim()) give.mutate(who.trim());
      }}
    >
      <Row>
        {acknowledged ? null : (
          <Button className="button" onPress={() => ack.mutate()} isDisabled={ack.isPending}>
            {t("legal.acknowledge")}
          </Button>
        )}
        {mine ? null : (
          <Button className="button" onPress={() => give.mutate(me.user)} isDisabled={give.isPending}>
            {t("legal.takeIt")}
          </Button>
        )}
        <TextInput field="colleague" label={t("legal.colleague")} value={who} onChange={setWho} />
        <Button type="submit" className="button" isDisabled={!who.trim() || give.isPending}>
          {t("legal.assign")}
        </Button>
      </Row>
      <ErrorNote error={ack.error ?? give.error} />
      {ack.isSuccess || give.isSuccess ? <Done>{t("common.saved")}</Done> : null}
    </Form>
  );
}
