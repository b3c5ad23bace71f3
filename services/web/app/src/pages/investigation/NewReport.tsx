import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { idempotencyKey, investigation, unwrap } from "../../api/clients";
import { indicatorValues, sexValues, urgencyValues } from "../../api/gen/investigation";
import { LANGUAGES, NATIONALITIES } from "../../lib/codes";
import { todayInOrg } from "../../lib/time";
import { ErrorNote, Page } from "../../ui/Feedback";
import { Checks, Row, SelectField, TextInput } from "../../ui/Fields";
import { useEnumLabel } from "../../ui/labels";
import { draftBody, draftFromServer, dropDraft, hasDraft, loadDraft, newPerson, personBody, saveDraft, type DraftOut, type PersonDraft, type ReportDraft } from "./draft";
import { EstablishmentFields, establishmentBody } from "./EstablishmentFields";
import { EvidenceFields, evidenceReady } from "./EvidenceFields";
import { DRAFTS_KEY, SavedDrafts } from "./SavedDrafts";

// Saved to the service this long after the last change, and at once on leaving the page.
export const SAVE_AFTER_MS = 2000;
type SaveState = "idle" | "saving" | "saved" | "failed";

export default function NewReport() {
  const { t } = useTranslation();
  const label = useEnumLabel();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { investigationId } = useParams();
  const scope = investigationId ?? "new";
  const [draft, setDraft] = useState<ReportDraft>(() => loadDraft(scope, idempotencyKey));
  const hadDraft = useRef(hasDraft(scope));
  const focusId = useRef<number | null>(null);
  // What was loaded or filled in for her is not a change of hers: nothing is saved for it.
  const unchanged = useRef(draft);
  const latest = useRef(draft);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const filing = useRef(false);
  const [saved, setSaved] = useState<SaveState>("idle");

  const saveNow = useCallback(async () => {
    if (pending.current) clearTimeout(pending.current);
    pending.current = null;
    if (filing.current) return;
    const d = latest.current;
    setSaved("saving");
    try {
      await unwrap(investigation.PUT("/reports/drafts/{draft_id}", { params: { path: { draft_id: d.draftId } }, body: draftBody(d, investigationId ?? null) }));
      setSaved("saved");
      void qc.invalidateQueries({ queryKey: DRAFTS_KEY });
    } catch {
      setSaved("failed");
    }
  }, [investigationId, qc]);

  useEffect(() => {
    saveDraft(scope, draft);
    latest.current = draft;
    if (draft === unchanged.current) return;
    if (pending.current) clearTimeout(pending.current);
    pending.current = setTimeout(() => void saveNow(), SAVE_AFTER_MS);
  }, [scope, draft, saveNow]);

  // Leaving the page (another page of the app, a reload, closing the tab): save what is pending.
  useEffect(() => {
    const flush = () => {
      if (pending.current) void saveNow();
    };
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [saveNow]);

  const replaceWith = (d: ReportDraft) => {
    if (pending.current) clearTimeout(pending.current);
    pending.current = null;
    unchanged.current = d;
    setSaved("idle");
    setDraft(d);
  };

  // An investigation's visits are the report's visit dates unless she changes them.
  const inv = useQuery({
    queryKey: ["investigations", investigationId],
    enabled: !!investigationId,
    queryFn: () => unwrap(investigation.GET("/investigations/{investigation_id}", { params: { path: { investigation_id: investigationId! } } })),
  });
  useEffect(() => {
    if (inv.data && !hadDraft.current && draft.visitDates.length === 0 && inv.data.visits.length > 0) {
      setDraft((d) => {
        const filled = { ...d, visitDates: inv.data.visits.map((v) => v.visited_on) };
        if (d === unchanged.current) unchanged.current = filled;
        return filled;
      });
    }
  }, [inv.data, draft.visitDates.length]);

  const file = useMutation({
    mutationFn: () => {
      // The service deletes the draft in the filing's transaction; no save may follow it.
      filing.current = true;
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
      return unwrap(
        investigation.POST("/reports", {
          body: {
            idempotency_key: draft.key,
            investigation_id: investigationId ?? null,
            establishment: investigationId ? null : establishmentBody(draft.establishment),
            urgency: draft.urgency!,
            visit_dates: draft.visitDates.filter(Boolean),
            persons: draft.persons.map(personBody).filter((p) => p !== null),
            evidence: draft.evidence.filter(evidenceReady).map((e) => ({ content_hash: e.hash, location: e.location })),
            draft_id: draft.draftId,
          },
        }),
      );
    },
    onError: () => {
      filing.current = false;
    },
    onSuccess: (report) => {
      dropDraft(scope);
      void qc.invalidateQueries({ queryKey: DRAFTS_KEY });
      void qc.invalidateQueries({ queryKey: ["reports"] });
      void navigate(`/reports/${report.report_id}`);
    },
  });

  const setPerson = (id: number, change: Partial<PersonDraft>) =>
    setDraft((d) => ({ ...d, persons: d.persons.map((p) => (p.id === id ? { ...p, ...change } : p)) }));
  const addPerson = () =>
    setDraft((d) => {
      const p = newPerson(d.persons[d.persons.length - 1]);
      focusId.current = p.id;
      return { ...d, persons: [...d.persons, p] };
    });
  useEffect(() => {
    if (focusId.current !== null) {
      document.getElementById(`person-${focusId.current}`)?.querySelector<HTMLInputElement>("input")?.focus();
      focusId.current = null;
    }
  }, [draft.persons.length]);

  const continueDraft = async (out: DraftOut) => {
    if (pending.current) await saveNow();
    const d = draftFromServer(out, idempotencyKey);
    const target = out.draft.investigation_id ?? null;
    if (target !== (investigationId ?? null)) {
      // Drafted under another investigation (or none): continued on that page.
      saveDraft(target ?? "new", d);
      void navigate(target ? `/investigations/${target}/report` : "/reports/new");
      return;
    }
    replaceWith(d);
  };
  const discard = () => {
    const id = draft.draftId;
    dropDraft(scope);
    replaceWith(loadDraft(scope, idempotencyKey));
    // Nothing to delete if it was never saved: the 404 is expected then.
    void investigation.DELETE("/reports/drafts/{draft_id}", { params: { path: { draft_id: id } } }).then(() => qc.invalidateQueries({ queryKey: DRAFTS_KEY }));
  };

  const ready =
    !!draft.urgency &&
    draft.visitDates.some(Boolean) &&
    draft.persons.length > 0 &&
    draft.persons.every((p) => p.sex) &&
    draft.evidence.every(evidenceReady) &&
    (!!investigationId || !!establishmentBody(draft.establishment));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) file.mutate();
  };
  return (
    <Page title={t("report.newTitle")}>
      <p className="hint">{t("report.draftHint")}</p>
      <SavedDrafts currentId={draft.draftId} onOpen={continueDraft} />
      <p className="save-state" role="status" data-testid="save-state">
        {saved === "idle" ? null : t(`draft.${saved}`)}
      </p>
      <Form onSubmit={submit} className="form" autoComplete="off">
        <Row>
          <SelectField field="urgency" label={t("common.urgency")} options={urgencyValues} value={draft.urgency} onChange={(u) => setDraft({ ...draft, urgency: u })} labelOf={label("Urgency")} required />
        </Row>
        {!investigationId ? <EstablishmentFields value={draft.establishment} onChange={(e) => setDraft({ ...draft, establishment: e })} /> : null}
        <fieldset id="visit-dates">
          <legend>{t("report.visitDates")}</legend>
          <Row>
            {draft.visitDates.map((d, i) => (
              <TextInput field="visitDate"
                key={i}
                label={t("report.visitDate", { n: i + 1 })}
                type="date"
                max={todayInOrg()}
                value={d}
                onChange={(v) => setDraft({ ...draft, visitDates: draft.visitDates.map((x, j) => (j === i ? v : x)) })}
              />
            ))}
          </Row>
          <Button className="button" onPress={() => setDraft({ ...draft, visitDates: [...draft.visitDates, todayInOrg()] })}>
            {t("report.addVisitDate")}
          </Button>
        </fieldset>
        <EvidenceFields value={draft.evidence} onChange={(evidence) => setDraft({ ...draft, evidence })} />
        <h2>{t("report.persons", { count: draft.persons.length })}</h2>
        <ol className="persons">
          {draft.persons.map((p, i) => (
            <li key={p.id} id={`person-${p.id}`} className="person">
              <fieldset>
                <legend>{t("report.person", { n: i + 1 })}</legend>
                <Row>
                  <TextInput field="name" label={t("fieldNames.name")} value={p.name} onChange={(v) => setPerson(p.id, { name: v })} personal />
                  <SelectField field="sex" label={t("person.sex")} options={sexValues} value={p.sex} onChange={(v) => setPerson(p.id, { sex: v })} labelOf={label("Sex")} required />
                  <TextInput field="age" label={t("person.age")} value={p.age} onChange={(v) => setPerson(p.id, { age: v })} type="number" />
                  <SelectField field="nationality" label={t("person.nationality")} options={NATIONALITIES} value={p.nationality} onChange={(v) => setPerson(p.id, { nationality: v })} labelOf={label("Nationality")} />
                  <SelectField field="language" label={t("common.language")} options={LANGUAGES} value={p.language} onChange={(v) => setPerson(p.id, { language: v })} labelOf={label("Language")} />
                </Row>
                <Checks field="indicators" label={t("common.indicators")} options={indicatorValues} value={p.indicators} onChange={(v) => setPerson(p.id, { indicators: v })} labelOf={label("Indicator")} />
                <TextInput field="description" label={t("fieldNames.description")} value={p.description} onChange={(v) => setPerson(p.id, { description: v })} personal multiline />
                {draft.persons.length > 1 ? (
                  <Button className="button quiet" onPress={() => setDraft({ ...draft, persons: draft.persons.filter((x) => x.id !== p.id) })}>
                    {t("report.removePerson", { n: i + 1 })}
                  </Button>
                ) : null}
              </fieldset>
            </li>
          ))}
        </ol>
        <Button className="button" onPress={addPerson}>
          {t("report.addPerson")}
        </Button>
        <ErrorNote error={file.error} />
        <div className="actions">
          <Button type="submit" className="button primary" isDisabled={!ready || file.isPending}>
            {t("report.file")}
          </Button>
          <Button
            className="button quiet"
            onPress={discard}
          >
            {t("report.discard")}
          </Button>
        </div>
      </Form>
    </Page>
  );
}
