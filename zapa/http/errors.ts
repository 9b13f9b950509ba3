/**
 * The one HTTP error shape: `{detail}` with the right status (R-HTTP-3). Route code throws
 * `ApiError`; the app's error handler turns it, and any dependency outage, into a response.
 */

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: Record<string, string> = {},
    /** Extra top-level fields next to `detail` (e.g. `retry_after`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
  }
}

export const SERVICE_UNAVAILABLE = "Service temporarily unavailable";

/** Thrown when PostgreSQL or Redis cannot serve a request; rendered as 503. */
export class DependencyUnavailable extends Error {
  override name = "DependencyUnavailable";
  constructor(readonly dependency: "database" | "redis" | "bridge", cause?: unknown) {
    super(`${dependency} unavailable`, { cause });
  }
}

export function notFound(detail = "Not Found"): ApiError {
  return new ApiError(404, detail);
}

export function unprocessable(detail: unknown): ApiError {
  return new ApiError(422, detail);
}

/** The Bearer failure of R-HTTP-5: always the same body and header. */
export function unauthorized(): ApiError {
  return new ApiError(401, "Could not validate credentials", { "WWW-Authenticate": "Bearer" });
}

export function forbidden(): ApiError {
  return new ApiError(403, "Not enough permissions");
}
