import { useId } from "react";
import { Button } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { TextInput } from "../../ui/Fields";
import type { EvidenceDraft } from "./draft";

/** The pattern the investigation service takes for where evidence is kept (EvidenceIn). */
export const EVIDENCE_LOCATION = "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$";

/** The file's SHA-256, computed here: the file itself never leaves the computer, and its
 *  name (which may hold anything) is not kept. */
export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function evidenceReady(e: EvidenceDraft): boolean {
  return /^[0-9a-f]{64}$/.test(e.hash) && new RegExp(EVIDENCE_LOCATION).test(e.location);
}

export function EvidenceFields({ value, onChange }: { value: EvidenceDraft[]; onChange(v: EvidenceDraft[]): void }) {
  const { t } = useTranslation();
  const set = (i: number, change: Partial<EvidenceDraft>) => onChange(value.map((e, j) => (j === i ? { ...e, ...change } : e)));
  return (
    <fieldset>
      <legend>{t("evidence.title")}</legend>
      <p className="hint">{t("evidence.hint")}</p>
      {value.map((e, i) => (
        <EvidenceRow key={i} n={i + 1} e={e} onChange={(c) => set(i, c)} onRemove={() => onChange(value.filter((_, j) => j !== i))} />
      ))}
      <Button className="button" onPress={() => onChange([...value, { hash: "", location: "" }])}>
        {t("evidence.add")}
      </Button>
    </fieldset>
  );
}

function EvidenceRow({ n, e, onChange, onRemove }: { n: number; e: EvidenceDraft; onChange(c: Partial<EvidenceDraft>): void; onRemove(): void }) {
  const { t } = useTranslation();
  const fileId = useId();
  return (
    <div className="row evidence">
      <div className="field">
        <label htmlFor={fileId}>{t("evidence.file", { n })}</label>
        <input
          id={fileId}
          type="file"
          onChange={async (ev) => {
            const file = ev.target.files?.[0];
            ev.target.value = "";
            if (file) onChange({ hash: await sha256Hex(await file.arrayBuffer()) });
          }}
        />
        <span className="hint" data-testid="evidence-hash">
          {e.hash ? t("evidence.fingerprint", { hash: e.hash.slice(0, 16) }) : t("evidence.noFile")}
        </span>
      </div>
      <TextInput field="location" label={t("evidence.location")} value={e.location} onChange={(v) => onChange({ location: v })} pattern={EVIDENCE_LOCATION} />
      <Button className="button quiet" onPress={onRemove}>
        {t("evidence.remove", { n })}
      </Button>
    </div>
  );
}
