// The services' refusals, as people understand them. Every answer that is not 2xx becomes an
// ApiError with a code the catalogues translate (errors.<code>), and, where a service's reason
// follows a known form, the facts in it as codes (the step that must come first, say). A raw
// status, a stack trace or the server's English sentence is never the message itself.

export type ErrorCode =
  | "network"
  | "not_logged_in"
  | "origin_refused"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "invalid"
  | "erased"
  | "unstorable_text"
  | "too_many"
  | "unavailable"
  | "milestone_order"
  | "milestone_recorded"
  | "future_date"
  | "unknown";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly params: Record<string, string> = {},
    readonly fields: string[] = [],
  ) {
    super(code);
    this.name = "ApiError";
  }
}

const MILESTONE = "(police_engaged|operation_carried_out|charges_filed|trial_opened|verdict)";
const PATTERNS: [RegExp, ErrorCode, string[]][] = [
  [new RegExp(`^${MILESTONE} needs ${MILESTONE} first$`), "milestone_order", ["step", "first"]],
  [new RegExp(`^${MILESTONE} was recorded already`), "milestone_recorded", ["step"]],
  [/^[a-z_]+: .*cannot be in the future|^visited_on: a visit cannot be in the future/, "future_date", []],
];

function byStatus(status: number): ErrorCode {
  if (status === 401) return "not_logged_in";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 410) return "erased";
  if (status === 422 || status === 400) return "invalid";
  if (status === 429) return "too_many";
  if (status === 502 || status === 503 || status === 504) return "unavailable";
  return "unknown";
}

const KNOWN: ReadonlySet<string> = new Set<ErrorCode>([
  "not_logged_in",
  "origin_refused",
  "not_found",
  "conflict",
  "erased",
  "unstorable_text",
]);

/** Map a service's answer ({"error": code, "detail": text} or FastAPI's {"detail": ...}). */
export function toApiError(status: number, body: unknown): ApiError {
  const b = (typeof body === "object" && body !== null ? body : {}) as {
    error?: unknown;
    detail?: unknown;
  };
  const detail = typeof b.detail === "string" ? b.detail : "";
  for (const [re, code, names] of PATTERNS) {
    const m = re.exec(detail);
    if (m) {
      const params: Record<string, string> = {};
      names.forEach((n, i) => (params[n] = m[i + 1] ?? ""));
      return new ApiError(status, code, params);
    }
  }
  if (typeof b.error === "string") {
    if (b.error === "database_unavailable") return new ApiError(status, "unavailable");
    if (KNOWN.has(b.error)) return new ApiError(status, b.error as ErrorCode);
  }
  // A validation answer names the fields (loc) and the rule; never the value.
  if (Array.isArray(b.detail)) {
    const fields = b.detail
      .map((e: { loc?: unknown[] }) => (Array.isArray(e?.loc) ? e.loc.filter((p) => typeof p === "string" && p !== "body").join(".") : ""))
      .filter((f: string) => f && /^[a-z_.]+$/.test(f));
    return new ApiError(status, "invalid", {}, [...new Set<string>(fields)]);
  }
  return new ApiError(status, byStatus(status));
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
