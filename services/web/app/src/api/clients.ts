// One openapi-fetch client per service, on the BFF's same-origin `/api/<service>` prefix: the
// paths, bodies and answers are the generated types of docs/openapi/<service>.json, so a
// contract change fails `tsc`. The browser never holds a token: the session cookie goes with
// every same-origin request, and answers are never kept by the HTTP cache.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as IntakePaths } from "./gen/intake";
import type { paths as InvestigationPaths } from "./gen/investigation";
import { sessionLost } from "../session/events";
import { ApiError, toApiError } from "./errors";

const noStore: Middleware = {
  async onRequest({ request }) {
    return new Request(request, { cache: "no-store", credentials: "same-origin" });
  },
  async onResponse({ response }) {
    if (response.status === 401) sessionLost();
    return undefined;
  },
};

function client<P extends object>(service: string) {
  const c = createClient<P>({ baseUrl: `/api/${service}` });
  c.use(noStore);
  return c;
}

export const intake = client<IntakePaths>("intake");
export const investigation = client<InvestigationPaths>("investigation");

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The answer's data, or an ApiError a page can show as a translated message. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, "network");
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  throw await toApiError(result.response.status, result.error);
}

/** A key for an operation the services deduplicate (retries answer the first record). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
