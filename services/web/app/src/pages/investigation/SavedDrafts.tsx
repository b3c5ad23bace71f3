// Her report drafts kept by the investigation service. The list holds no personal value (ids,
// times, counts); opening one reads names, so it asks the page's purpose, which the service
// records in its audit trail.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { investigation, unwrap } from "../../api/clients";
import { investigationEnums } from "../../lib/codes";
import { gatedRead } from "../../privacy/gate";
import { usePurpose } from "../../privacy/Purpose";
import { ErrorNote, When } from "../../ui/Feedback";
import { SelectField } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import type { DraftOut } from "./draft";

export const DRAFTS_KEY = ["report-drafts"] as const;

export function SavedDrafts({ currentId, onOpen }: { currentId: string; onOpen(d: DraftOut): void | Promise<void> }) {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const { purpose, choose } = usePurpose();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const list = useQuery({ queryKey: DRAFTS_KEY, queryFn: () => unwrap(investigation.GET("/reports/drafts", {})) });
  const others = (list.data ?? []).filter((d) => d.draft_id !== currentId);
  if (others.length === 0) return null;
  const open = async (draftId: string) => {
    setBusy(true);
    setError(null);
    try {
      const out = await gatedRead(purpose, (p) =>
        unwrap(investigation.GET("/reports/drafts/{draft_id}", { params: { path: { draft_id: draftId }, query: { purpose: p } } })),
      );
      if (out) await onOpen(out);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="saved-drafts" aria-labelledby="saved-drafts-title">
      <h2 id="saved-drafts-title">{t("draft.savedTitle")}</h2>
      <p className="hint">{t("draft.savedHint")}</p>
      {purpose ? null : (
        <SelectField field="purpose" label={t("privacy.purpose")} options={investigationEnums.readPurposeValues} value={purpose} onChange={choose} labelOf={label("ReadPurpose")} />
      )}
      <ul>
        {others.map((d) => (
          <li key={d.draft_id} data-testid="saved-draft">
            <span>
              {t("draft.savedAt")} <When at={d.updated_at} /> · {t("draft.persons", { count: d.persons_count })}
            </span>{" "}
            <Button className="button" isDisabled={!purpose || busy} onPress={() => void open(d.draft_id)}>
              {t("draft.continue")}
            </Button>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
    </section>
  );
}
