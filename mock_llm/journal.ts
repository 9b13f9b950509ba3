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

/** Ring-buffer journal: keeps the newest `limit` entries. */
export class Journal {
  #items: JournalEntry[] = [];
  #head = 0;
  #seq = 0;
  constructor(readonly limit = 10_000) {}

  /** Adds an entry and returns it, so the caller can fill status and duration later. */
  add(entry: Omit<JournalEntry, "seq" | "at">): JournalEntry {
    const full: JournalEntry = {
      seq: ++this.#seq,
      at: new Date().toISOString(),
      ...entry,
      system: entry.system === null ? null : entry.system.slice(0, 500),
      last_user_message: entry.last_user_message === null
        ? null
        : entry.last_user_message.slice(0, LAST_USER_MAX),
    };
    if (this.limit <= 0) return full;
    if (this.#items.length < this.limit) this.#items.push(full);
    else {
      this.#items[this.#head] = full;
      this.#head = (this.#head + 1) % this.limit;
    }
    return full;
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
    if (q.since !== undefined) return matches.slice(0, limit);
    return limit === 0 ? [] : matches.slice(-limit);
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
