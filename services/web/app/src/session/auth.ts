// The BFF's session routes (web-shape.md). The app never sees a token.
export interface Me {
  user: string;
  username: string;
  roles: string[];
  centres: string[];
  idle_timeout_s: number;
}

export class NotLoggedIn extends Error {}

export async function fetchMe(): Promise<Me> {
  // No cache mode here, so that the answer index.html preloads is taken (the BFF marks it
  // no-store: the HTTP cache keeps nothing of it either way).
  const r = await fetch("/auth/me", { credentials: "same-origin" });
  if (r.status === 401) throw new NotLoggedIn();
  if (!r.ok) throw new Error("me");
  return (await r.json()) as Me;
}

/** The login address for coming back to `path` (relative paths only; no query string, which
 *  could hold what a person typed). */
export function loginUrl(path: string): string {
  const safe = path.startsWith("/") && !path.startsWith("//") ? path.split("?")[0]!.split("#")[0]! : "/";
  return `/auth/login?next=${encodeURIComponent(safe)}`;
}

export function goToLogin(): void {
  window.location.assign(loginUrl(window.location.pathname));
}

export async function logout(): Promise<string> {
  const r = await fetch("/auth/logout", { method: "POST", credentials: "same-origin", cache: "no-store" });
  const body = r.ok ? ((await r.json()) as { logout_url?: unknown }) : {};
  return typeof body.logout_url === "string" ? body.logout_url : "/";
}
