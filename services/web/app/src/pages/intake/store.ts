// The intake officer's signals, from the intake service (GET /signals: those she recorded,
// newest first; GET /signals/{id}: one, for a page opened from the list or reloaded). Held in
// TanStack Query's memory cache only (cleared on logout and on the lock). The answers hold
// ids, codes, dates and counts: her name and the rest stay behind /person?purpose=.
import type { QueryClient } from "@tanstack/react-query";
import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { intake, unwrap } from "../../api/clients";
import type { components } from "../../api/gen/intake";

export type SignalOut = components["schemas"]["SignalOut"];
export type SignalItem = components["schemas"]["SignalItemOut"];

export const SIGNALS_KEY = ["intake", "signals"] as const;
const PAGE = 25;

export const mySignals = infiniteQueryOptions({
  // staleTime 0: opening the list asks again, so every navigation still meets the session.
  staleTime: 0,
  queryKey: [...SIGNALS_KEY, "mine"],
  initialPageParam: null as string | null,
  queryFn: ({ pageParam }) =>
    unwrap(intake.GET("/signals", { params: { query: { mine: true, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) } } })),
  getNextPageParam: (last) => last.next_before ?? null,
});

export const signalQuery = (signalId: string) =>
  queryOptions({
    staleTime: 0,
    queryKey: [...SIGNALS_KEY, "one", signalId],
    queryFn: () => unwrap(intake.GET("/signals/{signal_id}", { params: { path: { signal_id: signalId } } })),
  });

/** After she records, routes, closes or asks a placement: the answer's codes are shown at
 *  once, and the signal and her list are asked again behind them (the service is the truth). */
export function signalChanged(qc: QueryClient, out: SignalOut): void {
  qc.setQueryData<SignalItem>(signalQuery(out.signal_id).queryKey, (old) => (old ? { ...old, ...out } : old));
  void qc.invalidateQueries({ queryKey: SIGNALS_KEY });
}
