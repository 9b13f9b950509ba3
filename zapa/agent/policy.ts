/**
 * The failure policy around LLM calls (R-LLMERR-*): transient errors are retried
 * `retryAttempts` times, waiting `retryBaseMs` × 1, 2, 4 … (or the server's `Retry-After`, at
 * most 30 s); then the next config (the fallback) gets the same treatment; then the caller
 * answers "unavailable". A rejected key (401/403, or a key we cannot decrypt) stops at once:
 * no retry, no fallback. Other 4xx skip the retries but still move on to the fallback.
 */
import { LlmError, type LlmErrorKind } from "./adapters/errors.ts";

export interface PolicyOptions {
  retryAttempts: number;
  retryBaseMs: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about every failed attempt (for logs and metrics). */
  onFailure?: (info: { targetIndex: number; attempt: number; error: LlmError }) => void;
}

export type PolicyOutcome<R> =
  | {
    ok: true;
    value: R;
    /** Index of the target that answered. */
    targetIndex: number;
    /** The error that made us leave the first target, if any. */
    firstError: LlmErrorKind | null;
  }
  | {
    ok: false;
    rejected: boolean;
    errorKind: LlmErrorKind;
    /** Index of the last target tried. */
    targetIndex: number;
  };

export function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wait before retry number `retry` (1-based). */
export function retryDelay(retry: number, baseMs: number, error: LlmError): number {
  if (error.retryAfterMs !== null) return error.retryAfterMs;
  return baseMs * 2 ** (retry - 1);
}

/**
 * Calls `attempt` on `targets` in order under the policy. `attempt` must throw `LlmError` for
 * provider failures; anything else (a database error, a bug) propagates unchanged.
 */
export async function withPolicy<T, R>(
  targets: readonly T[],
  attempt: (target: T, index: number) => Promise<R>,
  options: PolicyOptions,
): Promise<PolicyOutcome<R>> {
  const sleep = options.sleep ?? defaultSleep;
  let firstError: LlmErrorKind | null = null;
  let lastKind: LlmErrorKind = "unavailable";
  for (const [index, target] of targets.entries()) {
    for (let tryNo = 0;; tryNo++) {
      try {
        const value = await attempt(target, index);
        return { ok: true, value, targetIndex: index, firstError };
      } catch (error) {
        if (!(error instanceof LlmError)) throw error;
        options.onFailure?.({ targetIndex: index, attempt: tryNo + 1, error });
        lastKind = error.kind;
        firstError ??= error.kind;
        if (error.kind === "rejected_key") {
          return { ok: false, rejected: true, errorKind: lastKind, targetIndex: index };
        }
        if (!error.transient || tryNo >= options.retryAttempts) break;
        await sleep(retryDelay(tryNo + 1, options.retryBaseMs, error));
      }
    }
  }
  return { ok: false, rejected: false, errorKind: lastKind, targetIndex: targets.length - 1 };
}
