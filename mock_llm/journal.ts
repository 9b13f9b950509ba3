/**
 * The mock LLM's request journal: a bounded, in-memory list of provider calls that tests
 * query by key fingerprint (`GET /__mock/requests`). It stores fingerprints, never keys.
 */

export interface JournalEntry {
  seq: number;
  at: string;
  provider: string;
  path: string;
  model: string | null;
  key_fingerprint: string | null;
  stream: boolean;
  message_count: number;
  last_user_message: string | null;
  /** The system prompt, cut to 500 characters. */
  system: string | null;
  tools: string[];
  /** `auto`, `none` or `required` as the request said (normalised), null when it said nothing. */
  tool_choice: string | null;
  tool_result_present: boolean;
  /** HTTP status sent; null while a `mock-hang` call is still held open. */
  status: number | null;
  fault: string | null;
  /** Time until the response was handed over (or the client gave up on a hang). */
  duration_ms: number | null;
}

export interface JournalQuery {
  provider?: string;
  key_fingerprint?: string;
  /** Only entries with `seq` greater than this. */
  since?: number;
  limit?: number;
}

const LAST_USER_MAX = 4_000;

/** What the journal keeps: the time as a number, turned into `at` only when asked for. */
type Stored = Omit<JournalEntry, "at"> & { at_ms: number };

/**
 * Ring-buffer journal: keeps the newest `limit` entries. On the hot path it builds one object
 * and no date string (each call of a benchmark's tens of thousands a second is journaled;
 * formatting `at` per call and copying the entry cost a tenth of the mock's rate, 2026-12-03).
 */
export class Journal {
  #items: Stored[] = [];
  #head = 0;
  #seq = 0;
  constructor(readonly limit = 10_000) {}

  /**
   * Adds an entry (the journal keeps the object it is given) and returns it, so the caller can
   * fill status and duration later.
   */
  add(entry: Omit<JournalEntry, "seq" | "at">): Omit<JournalEntry, "at"> {
    const stored = entry as Stored;
    stored.seq = ++this.#seq;
    stored.at_ms = Date.now();
    if (stored.system !== null && stored.system.length > 500) {
      stored.system = stored.system.slice(0, 500);
    }
    if (stored.last_user_message !== null && stored.last_user_message.length > LAST_USER_MAX) {
      stored.last_user_message = stored.last_user_message.slice(0, LAST_USER_MAX);
    }
    if (this.limit <= 0) return stored;
    if (this.#items.length < this.limit) this.#items.push(stored);
    else {
      this.#items[this.#head] = stored;
      this.#head = (this.#head + 1) % this.limit;
    }
    return stored;
  }

  /** Matching entries in `seq` order: the first `limit` after `since`, else the newest `limit`. */
  query(q: JournalQuery = {}): JournalEntry[] {
    const limit = Math.max(0, q.limit ?? 100);
    const ordered = this.#head === 0
      ? this.#items
      : [...this.#items.slice(this.#head), ...this.#items.slice(0, this.#head)];
    const matches = ordered.filter((e) =>
      (q.provider === undefined || e.provider === q.provider) &&
      (q.key_fingerprint === undefined || e.key_fingerprint === q.key_fingerprint) &&
      (q.since === undefined || e.seq > q.since)
    );
    const picked = q.since !== undefined
      ? matches.slice(0, limit)
      : limit === 0
      ? []
      : matches.slice(-limit);
    return picked.map(({ at_ms, seq, ...rest }) => ({
      seq,
      at: new Date(at_ms).toISOString(),
      ...rest,
    }));
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** The newest seq handed out (0 before the first call); survives `clear()`. */
  get lastSeq(): number {
    return this.#seq;
  }

  get size(): number {
    return this.#items.length;
  }
}
