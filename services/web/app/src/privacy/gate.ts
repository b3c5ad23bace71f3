import { FIELDS } from "../api/gen/fields";
import type { ReadPurpose } from "./Purpose";

type Service = keyof typeof FIELDS;

/** Whether the service's document marks `schema.field` personal (x-personal). */
export function isPersonal(service: Service, schema: string, field: string): boolean {
  const s = (FIELDS[service] as Record<string, { personal: readonly string[] }>)[schema];
  return s?.personal.includes(field) ?? false;
}

/** A personal read happens only with a purpose; without one nothing is asked of the server. */
export async function gatedRead<T>(purpose: ReadPurpose | null, read: (p: ReadPurpose) => Promise<T>): Promise<T | null> {
  if (purpose === null) return null;
  return read(purpose);
}

/** What every input holding a personal value carries: the browser neither remembers nor
 *  suggests it, nor sends it to a spelling service. */
export const PERSONAL_INPUT = { autoComplete: "off", spellCheck: false, "data-personal": "true" } as const;
