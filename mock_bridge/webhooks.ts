/**
 * Webhook delivery with zapw's policy (src/adapters/webhookAdapter.ts): a POST with
 * `X-Webhook-Event` and a 10 s timeout; on a non-2xx answer or a network error,
 * `attempts` tries in total, waiting `delayMs × attempt` between them (1 s, then 2 s).
 * Every attempt is reported to `record`, which feeds the `/__mock/webhooks` journal.
 */

export interface WebhookEvent {
  sessionId: string;
  origin: string;
  eventType: string;
  timestamp: number;
  data: Record<string, unknown>;
}

/** One delivery attempt as the journal stores it (`at` is epoch ms). */
export interface AttemptRecord {
  event_type: string;
  message_id: string | null;
  session_id: string;
  attempt: number;
  /** HTTP status; 0 = network error or timeout. */
  status: number;
  error: string | null;
  duration_ms: number;
  at: number;
  response: unknown;
  /** 1, or 2 for the second copy sent under the `duplicate_webhooks` fault. */
  copy: number;
}

export interface AttemptResult {
  status: number;
  body: unknown;
  error: string | null;
}

export interface DeliveryOptions {
  url: string;
  attempts: number;
  delayMs: number;
  timeoutMs: number;
  copy?: number;
  record: (attempt: AttemptRecord) => void;
  /** Checked before each attempt: a reset stops retries that are still pending. */
  cancelled?: () => boolean;
  /** When given, each attempt waits for a slot of this limiter. */
  limiter?: Limiter;
}

export interface Delivery {
  /** Settles after the first attempt. */
  first: Promise<AttemptResult>;
  /** Settles after the last attempt (success or the final failure). */
  done: Promise<AttemptResult>;
}

/**
 * Caps how many webhook attempts run at once; the rest wait in a FIFO. `queued` lets the
 * caller refuse new automatic deliveries when the backlog is already long.
 */
export class Limiter {
  #active = 0;
  #waiting: (() => void)[] = [];
  #head = 0;
  readonly concurrency: number;

  constructor(concurrency: number) {
    this.concurrency = concurrency;
  }

  get queued(): number {
    return this.#waiting.length - this.#head;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      const next = this.#waiting[this.#head];
      if (next) {
        this.#waiting[this.#head++] = undefined as unknown as () => void;
        if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
          this.#waiting = this.#waiting.slice(this.#head);
          this.#head = 0;
        }
        next();
      }
    }
  }
}

/** Waits before attempt 2, 3, …: `delayMs × attempt`, e.g. [1000, 2000] for 3 attempts. */
export function retrySchedule(attempts: number, delayMs: number): number[] {
  const out: number[] = [];
  for (let attempt = 1; attempt < attempts; attempt++) out.push(delayMs * attempt);
  return out;
}

const MAX_RESPONSE_CHARS = 4000;

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  return text.length > MAX_RESPONSE_CHARS ? `${text.slice(0, MAX_RESPONSE_CHARS)}…` : text;
}

async function attemptOnce(url: string, body: string, eventType: string, timeoutMs: number) {
  const started = performance.now();
  // Like AbortSignal.timeout(), but the timer is cleared as soon as the attempt settles:
  // under load, thousands of idle 10 s timers would otherwise pile up in the heap.
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new DOMException(`timeout after ${timeoutMs} ms`, "TimeoutError")),
    timeoutMs,
  );
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Webhook-Event": eventType },
      body,
      signal: abort.signal,
    });
    const response = await readBody(res);
    return { status: res.status, body: response, error: null, ms: performance.now() - started };
  } catch (err) {
    const name = err instanceof Error ? err.name : "Error";
    const error = name === "TimeoutError"
      ? `timeout after ${timeoutMs} ms`
      : `${name}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
    return { status: 0, body: null, error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Starts delivering `event`; see `Delivery`. Never rejects. */
export function deliverWebhook(event: WebhookEvent, options: DeliveryOptions): Delivery {
  let resolveFirst!: (r: AttemptResult) => void;
  const first = new Promise<AttemptResult>((r) => resolveFirst = r);
  const done = (async () => {
    const body = JSON.stringify(event);
    const waits = retrySchedule(options.attempts, options.delayMs);
    const messageId = typeof event.data.messageId === "string" ? event.data.messageId : null;
    let last: AttemptResult = { status: 0, body: null, error: "not attempted" };
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      if (options.cancelled?.()) break;
      const at = Date.now();
      const attempt_ = () => attemptOnce(options.url, body, event.eventType, options.timeoutMs);
      const r = options.limiter ? await options.limiter.run(attempt_) : await attempt_();
      last = { status: r.status, body: r.body, error: r.error };
      options.record({
        event_type: event.eventType,
        message_id: messageId,
        session_id: event.sessionId,
        attempt,
        status: r.status,
        error: r.error ?? (r.status >= 200 && r.status < 300 ? null : `HTTP ${r.status}`),
        duration_ms: Math.round(r.ms * 10) / 10,
        at,
        response: r.body,
        copy: options.copy ?? 1,
      });
      if (attempt === 1) resolveFirst(last);
      if (r.status >= 200 && r.status < 300) break;
      const wait = waits[attempt - 1];
      if (wait !== undefined) await new Promise((res) => setTimeout(res, wait));
    }
    resolveFirst(last);
    return last;
  })();
  return { first, done };
}
