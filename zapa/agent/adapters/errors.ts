/**
 * The small error taxonomy every adapter normalises provider failures into (R-LLMERR-*):
 * transient (network, timeout, 429, 5xx incl. 529, malformed or cut bodies), a rejected key
 * (401/403), and other 4xx (a bad request). The policy decides retries and fallback from it.
 */

export type LlmErrorKind =
  | "rate_limited"
  | "unavailable"
  | "timeout"
  | "network"
  | "malformed"
  | "rejected_key"
  | "bad_request";

/** Longest `Retry-After` we honour; longer values are capped to it. */
export const MAX_RETRY_AFTER_MS = 30_000;

export class LlmError extends Error {
  override name = "LlmError";
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status: number | null = null,
    /** Server-requested wait before a retry (already capped), when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth retrying on the same config. */
  get transient(): boolean {
    return this.kind !== "rejected_key" && this.kind !== "bad_request";
  }
}

/** Maps an HTTP error status to the taxonomy. */
export function kindForStatus(status: number): LlmErrorKind {
  if (status === 401 || status === 403) return "rejected_key";
  if (status === 429) return "rate_limited";
  if (status === 408) return "timeout";
  if (status >= 500) return "unavailable";
  return "bad_request";
}

/**
 * `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in ms, capped at 30 s;
 * null when absent or unparsable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | null | undefined,
  now = Date.now(),
): number | null {
  if (!headers) return null;
  const ms = Number(headers.get("retry-after-ms") ?? "");
  if (headers.get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) {
    return Math.min(ms, MAX_RETRY_AFTER_MS);
  }
  const raw = headers.get("retry-after")?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.min(Number(raw) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** A short, key-free description of a provider error body for logs and test messages. */
export function shortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/**
 * Normalises anything an SDK call threw. `status`/`headers` are read duck-typed so the same
 * function serves all three SDKs; `timedOut` says whether our own deadline fired.
 */
export function toLlmError(
  error: unknown,
  options: { timedOut: boolean; headers?: { get(name: string): string | null } | null },
): LlmError {
  if (error instanceof LlmError) return error;
  const record = (error ?? {}) as { status?: unknown; headers?: unknown; name?: unknown };
  const status = typeof record.status === "number" ? record.status : null;
  if (status !== null && status >= 400 && status <= 599) {
    const headers = isHeaders(record.headers) ? record.headers : options.headers ?? null;
    const kind = kindForStatus(status);
    return new LlmError(
      kind,
      `provider answered ${status}: ${shortMessage(error)}`,
      status,
      kind === "rate_limited" || kind === "unavailable" ? parseRetryAfter(headers) : null,
    );
  }
  const name = typeof record.name === "string" ? record.name : "";
  if (options.timedOut || /timeout/i.test(name)) {
    return new LlmError("timeout", "the provider did not answer in time");
  }
  if (
    error instanceof SyntaxError || /JSON|parse|Unexpected (end|token)/i.test(shortMessage(error))
  ) {
    return new LlmError("malformed", `malformed response: ${shortMessage(error)}`);
  }
  return new LlmError("network", `network error: ${shortMessage(error)}`);
}

function isHeaders(value: unknown): value is { get(name: string): string | null } {
  return !!value && typeof (value as { get?: unknown }).get === "function";
}
