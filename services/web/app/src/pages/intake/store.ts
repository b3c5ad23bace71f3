// The intake officer's own recent signals. The intake API has no list of signals, so the app
// keeps those recorded in this session, in TanStack Query's memory cache (cleared on logout
// and on the lock). Only the answer's codes and ids are kept: nothing personal.
import type { QueryClient } from "@tanstack/react-query";
import type { components } from "../../api/gen/intake";

export type SignalOut = components["schemas"]["SignalOut"];

export interface SignalRecord {
  signal: SignalOut;
  recordedAt: string;
  routed?: { lead_id: string; linked: boolean; reason: string };
  placement?: string;
  closure?: string;
}

export const RECENT_KEY = ["intake", "recent-signals"] as const;

export function recentSignals(qc: QueryClient): SignalRecord[] {
  return qc.getQueryData<SignalRecord[]>(RECENT_KEY) ?? [];
}

export function putSignal(qc: QueryClient, rec: SignalRecord): void {
  qc.setQueryDefaults(RECENT_KEY, { gcTime: Infinity, staleTime: Infinity });
  const rest = recentSignals(qc).filter((r) => r.signal.signal_id !== rec.signal.signal_id);
  qc.setQueryData<SignalRecord[]>(RECENT_KEY, [rec, ...rest].slice(0, 50));
}

export function updateSignal(qc: QueryClient, id: string, change: Partial<SignalRecord>): void {
  const found = recentSignals(qc).find((r) => r.signal.signal_id === id);
  if (found) putSignal(qc, { ...found, ...change });
}
