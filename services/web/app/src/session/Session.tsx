import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { fetchMe, goToLogin, logout, NotLoggedIn, type Me } from "./auth";
import { ACTIVITY_EVENTS, lockDelayMs, startIdleClock } from "./idle";
import { LockScreen } from "./LockScreen";
import { onSessionLost } from "./events";
import { wipeAll } from "./wipe";

interface SessionValue {
  me: Me;
  logOut(): Promise<void>;
  hasRole(role: string): boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error("useSession outside SessionProvider");
  return v;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [locked, setLocked] = useState<{ logoutUrl: string } | null>(null);
  const me = useQuery({ queryKey: ["auth", "me"], queryFn: fetchMe, retry: false, staleTime: Infinity, enabled: !locked });
  const lockingRef = useRef(false);

  useEffect(() => {
    // Once locked, the way back is the lock screen's (through the identity provider's logout,
    // so that a shared computer asks for a password), not a silent new login.
    if (me.error instanceof NotLoggedIn && !locked) goToLogin();
  }, [me.error, locked]);

  const lock = useCallback(async () => {
    if (lockingRef.current) return;
    lockingRef.current = true;
    // Everything on screen goes first; then the server's session, so a reload cannot reopen it.
    setLocked({ logoutUrl: "/" });
    queryClient.clear();
    wipeAll();
    let url = "/";
    try {
      url = await logout();
    } catch {
      /* the lock holds whether or not the server answered */
    }
    setLocked({ logoutUrl: url });
  }, [queryClient]);

  useEffect(() => onSessionLost(() => void lock()), [lock]);

  const idle = me.data?.idle_timeout_s;
  useEffect(() => {
    if (idle === undefined || locked) return;
    const clock = startIdleClock(lockDelayMs(idle), () => void lock());
    const onActivity = () => clock.activity();
    for (const e of ACTIVITY_EVENTS) window.addEventListener(e, onActivity, { passive: true });
    return () => {
      clock.stop();
      for (const e of ACTIVITY_EVENTS) window.removeEventListener(e, onActivity);
    };
  }, [idle, locked, lock]);

  const logOut = useCallback(async () => {
    queryClient.clear();
    wipeAll();
    const url = await logout().catch(() => "/");
    window.location.assign(url);
  }, [queryClient]);

  if (locked) return <LockScreen logoutUrl={locked.logoutUrl} />;
  if (me.isPending || me.error instanceof NotLoggedIn) {
    return (
      <main className="centred" aria-busy="true">
        <p>{t("common.loading")}</p>
      </main>
    );
  }
  if (me.error || !me.data) {
    return (
      <main className="centred">
        <h1>{t("app.name")}</h1>
        <p role="alert">{t("errors.unavailable")}</p>
      </main>
    );
  }
  const value: SessionValue = {
    me: me.data,
    logOut,
    hasRole: (r) => me.data.roles.includes(r),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
