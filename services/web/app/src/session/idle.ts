// The idle lock's clock, without React: activity pushes the deadline back; once it passes the
// screen locks and stays locked (only a new login opens it). Kept pure so tests drive it with
// fake timers.
export const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart"] as const;

/** The lock's delay: the session's idle time less a margin, so the screen locks before the
 *  server forgets the session, never shorter than 30 s nor longer than 15 minutes. */
export function lockDelayMs(idleTimeoutS: number | undefined): number {
  const s = typeof idleTimeoutS === "number" && idleTimeoutS > 0 ? idleTimeoutS : 900;
  const margin = Math.min(60, Math.floor(s / 10));
  return Math.max(30, Math.min(900, s - margin)) * 1000;
}

export interface IdleClock {
  activity(): void;
  stop(): void;
  readonly locked: boolean;
}

export function startIdleClock(delayMs: number, onLock: () => void, now: () => number = Date.now): IdleClock {
  let last = now();
  let locked = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const left = last + delayMs - now();
    if (left <= 0) {
      locked = true;
      onLock();
      return;
    }
    timer = setTimeout(check, left);
  };
  timer = setTimeout(check, delayMs);
  return {
    activity() {
      if (!locked) last = now();
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
    get locked() {
      return locked;
    },
  };
}
