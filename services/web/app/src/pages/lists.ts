import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { investigation, unwrap } from "../api/clients";

// The lists a person opens from the navigation, as the pages and the prefetch share them (one
// key, one fetch). Each answer is codes and ids only: tests/unit/prefetch.test.ts checks in the
// services' documents that no field of these answers is personal, so fetching them ahead
// keeps personal values out of the query cache as before. Pages that show one record (with
// personal fields behind a purpose) are never fetched ahead.
export const INBOX_KEY = ["legal", "inbox"] as const;

// staleTime 0: opening a list shows what was fetched ahead at once and asks the server again
// behind it, so every navigation still checks the session (a 401 locks the screen).
export const lists = {
  investigations: queryOptions({
    staleTime: 0,
    queryKey: ["investigations"],
    queryFn: () => unwrap(investigation.GET("/investigations", { params: { query: { limit: 100 } } })),
  }),
  reports: queryOptions({
    staleTime: 0,
    queryKey: ["reports", "mine"],
    queryFn: () => unwrap(investigation.GET("/reports", { params: { query: { mine: true, limit: 100 } } })),
  }),
  inbox: queryOptions({
    staleTime: 0,
    queryKey: INBOX_KEY,
    queryFn: () => unwrap(investigation.GET("/legal/inbox", { params: { query: { limit: 100 } } })),
  }),
};

/** What each prefetched list reads, by service and path (for the test against the documents). */
export const LIST_SOURCES: Record<keyof typeof lists, { service: "investigation"; path: string }> = {
  investigations: { service: "investigation", path: "/investigations" },
  reports: { service: "investigation", path: "/reports" },
  inbox: { service: "investigation", path: "/legal/inbox" },
};

export type ListName = keyof typeof lists;

/** Fetches a list ahead unless the cache got one in the last AHEAD_FRESH_MS (a hover just
 *  after the first prefetch, or a second hover, asks nothing). */
const AHEAD_FRESH_MS = 5_000;
export function prefetchList(qc: QueryClient, name: ListName): Promise<void> {
  switch (name) {
    case "investigations":
      return qc.prefetchQuery({ ...lists.investigations, staleTime: AHEAD_FRESH_MS });
    case "reports":
      return qc.prefetchQuery({ ...lists.reports, staleTime: AHEAD_FRESH_MS });
    case "inbox":
      return qc.prefetchQuery({ ...lists.inbox, staleTime: AHEAD_FRESH_MS });
  }
}
