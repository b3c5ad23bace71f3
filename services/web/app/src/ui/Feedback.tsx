import type { ReactNode } from "react";
import { useTitle } from "./title";
import { I18nProvider } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { isApiError } from "../api/errors";
import { formatDate, formatDateTime } from "../lib/time";

/** A refusal as people understand it: the translated reason, the fields it names, never a
 *  status number or the server's own words. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const e = isApiError(error) ? error : null;
  const code = e?.code ?? "unknown";
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(e?.params ?? {})) params[k] = t(`enum.Milestone.${v}`, { defaultValue: v });
  return (
    <div className="error" role="alert">
      <p>{t(`errors.${code}`, params)}</p>
      {e && e.fields.length > 0 ? (
        <p>
          {t("errors.fields")} {e.fields.map((f) => t(`fieldNames.${f.split(".").pop()}`, { defaultValue: f })).join(", ")}
        </p>
      ) : null}
    </div>
  );
}

export function Done({ children }: { children: ReactNode }) {
  return (
    <div className="done" role="status">
      {children}
    </div>
  );
}

/** A page: its heading and the document's title (never anything personal). */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  const { i18n } = useTranslation();
  useTitle(title);
  return (
    <I18nProvider locale={i18n.language === "km" ? "km-KH" : "en-GB"}>
      <h1>{title}</h1>
      {children}
    </I18nProvider>
  );
}

export function When({ at }: { at: string | null | undefined }) {
  const { i18n } = useTranslation();
  if (!at) return <>—</>;
  return <time dateTime={at}>{formatDateTime(at, i18n.language)}</time>;
}

export function Day({ on }: { on: string | null | undefined }) {
  const { i18n } = useTranslation();
  if (!on) return <>—</>;
  return <time dateTime={on}>{formatDate(on, i18n.language)}</time>;
}

export { Loading } from "./Loading";
