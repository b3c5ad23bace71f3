// The BFF's live feed (`/api/live`, Server-Sent Events, codes and ids only). A `stage` event
// tells pages that some case moved: they refetch what they show rather than trust the event.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

export type LiveState = "connecting" | "live" | "offline";

export function useLiveRefresh(queryKeys: readonly (readonly unknown[])[], events: readonly string[] = ["stage"]): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  const keys = JSON.stringify(queryKeys);
  const names = events.join(",");
  useEffect(() => {
    const source = new EventSource("/api/live");
    const refresh = () => {
      for (const k of JSON.parse(keys) as unknown[][]) void qc.invalidateQueries({ queryKey: k });
    };
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    for (const n of names.split(",")) source.addEventListener(n, refresh);
    source.onmessage = refresh;
    return () => source.close();
  }, [qc, keys, names]);
  return state;
}
