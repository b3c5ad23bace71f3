// What the app holds in memory about people (drafts, answers) is wiped on logout and on the
// idle lock; each holder registers here.
const wipers = new Set<() => void>();

export function onWipe(fn: () => void): () => void {
  wipers.add(fn);
  return () => wipers.delete(fn);
}

export function wipeAll(): void {
  for (const fn of wipers) fn();
}
