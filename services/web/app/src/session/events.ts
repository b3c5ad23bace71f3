// A service answered 401 mid-session (the server's session expired): the screen locks.
const listeners = new Set<() => void>();

export function onSessionLost(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function sessionLost(): void {
  for (const fn of listeners) fn();
}
