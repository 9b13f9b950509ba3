/**
 * Wait for a fact instead of sleeping: poll a probe until it passes or a deadline expires.
 *
 * On timeout the error names what was expected, shows the last value (or error) the probe
 * produced and how long it waited, so a red test explains itself.
 *
 * ```ts
 * const row = await eventually(() => findReply(id), { message: "a reply row for message 42" });
 * await eventually(async () => (await queue()).queued === 0, { timeoutMs: 20_000 });
 * ```
 */

export interface EventuallyOptions {
  /** Give up after this long (default 10 000 ms). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms, grows ×1.5 up to 500 ms). */
  intervalMs?: number;
  /** What we are waiting for, in words: "20 replies in the bridge journal". */
  message?: string;
  /** Optional extra context appended on timeout, e.g. the tail of service logs. */
  onTimeout?: () => string | Promise<string>;
}

export class EventuallyTimeoutError extends Error {
  override name = "EventuallyTimeoutError";
  constructor(message: string, readonly lastValue: unknown, readonly waitedMs: number) {
    super(message);
  }
}

/**
 * Calls `probe` until it returns a value that is neither `undefined`, `null` nor `false`
 * and does not throw; resolves with that value.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let interval = options.intervalMs ?? 50;
  const started = performance.now();
  let attempts = 0;
  let last: { value?: unknown; error?: unknown } = {};
  while (true) {
    attempts++;
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
      last = { value };
    } catch (error) {
      last = { error };
    }
    const waited = performance.now() - started;
    if (waited >= timeoutMs) {
      const seen = "error" in last && last.error !== undefined
        ? `last error: ${describe(last.error)}`
        : `last value: ${describe(last.value)}`;
      let text = `timed out after ${Math.round(waited)} ms (${attempts} attempts) waiting for ` +
        `${options.message ?? "the condition to hold"}; ${seen}`;
      if (options.onTimeout) {
        try {
          text += `\n${await options.onTimeout()}`;
        } catch (error) {
          text += `\n(could not collect context: ${describe(error)})`;
        }
      }
      throw new EventuallyTimeoutError(text, last.error ?? last.value, waited);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, timeoutMs - waited)));
    interval = Math.min(Math.round(interval * 1.5), 500);
  }
}

/** A short, readable rendering of any value for an error message. */
export function describe(value: unknown, max = 2_000): string {
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message}`;
  else if (typeof value === "string") text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
