// Personal values stay hidden until the person says why she reads them (a ReadPurpose code,
// which the services require and audit). The choice lives in this page's state only: the
// layout remounts the provider on every navigation, so values are hidden again.
import { createContext, useContext, useState, type ReactNode } from "react";
import type { components } from "../api/gen/investigation";

export type ReadPurpose = components["schemas"]["ReadPurpose"];

interface PurposeValue {
  purpose: ReadPurpose | null;
  choose(p: ReadPurpose | null): void;
}

const PurposeContext = createContext<PurposeValue>({ purpose: null, choose: () => {} });

export function PurposeProvider({ children }: { children: ReactNode }) {
  const [purpose, choose] = useState<ReadPurpose | null>(null);
  return <PurposeContext.Provider value={{ purpose, choose }}>{children}</PurposeContext.Provider>;
}

export function usePurpose(): PurposeValue {
  return useContext(PurposeContext);
}
