import { queryOptions, type QueryClient } from "@tanstack/react-query";
import { investigation, unwrap } from "../api/clients";

// The lists a person opens from the navigation, as the pages and the prefetch share them (one
// key, one fetch). Each answer is codes and ids only: tests/unit/prefetch.test.ts checks in the
// services' documents that no field of these answers is personal, so fetching them ahead
// keeps personal values out of the query cache as before. Pages that show one record (with
// personal fields behind a purpose) are never fetched ahead.
export const INBOX_KEY = ["legal", "inbox"] as const;

export const lists = {
  investigations: queryOptions({
    queryKey: ["investigations"],
    queryFn: () => unwrap(investigation.GET("/investigations", { params: { query: { limit: 100 } } })),
  }),
  reports: queryOptions({
    queryKey: ["reports", "mine"],
    queryFn: () => unwrap(investigation.GET("/reports", { params: { query: { mine: true, limit: 100 } } })),
  }),
  inbox: queryOptions({
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

/** Fetches a list ahead unless the cache holds a fresh one. */
export function prefetchList(qc: QueryClient, name: ListName): Promise<void> {
  switch (name) {
    case "investigations":
      return qc.prefetchQuery(lists.investigations);
    case "reports":
      return qc.prefetchQuery(lists.reports);
    case "inbox":
      return qc.prefetchQuery(lists.inbox);
  }
}
