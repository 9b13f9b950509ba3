/**
 * A bounded, sequence-numbered journal (ring buffer) with long-poll waiters.
 * Memory stays flat however many entries are appended: only the newest `limit` are kept.
 * Waiters are promises resolved from `append()`, so a long-poll wakes at once, without polling.
 */

export interface Sequenced {
  seq: number;
}

interface Waiter<T> {
  match: (entry: T) => boolean;
  wake: () => void;
}

export class Journal<T extends Sequenced> {
  #slots: (T | undefined)[];
  #limit: number;
  #last = 0;
  #size = 0;
  #waiters = new Set<Waiter<T>>();

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#slots = new Array(this.#limit);
  }

  /** Sequence number of the newest entry ever appended (0 when none). Survives `clear()`. */
  get lastSeq(): number {
    return this.#last;
  }

  get size(): number {
    return this.#size;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Next sequence number; callers build the entry with it, then `append()` it. */
  nextSeq(): number {
    return this.#last + 1;
  }

  append(entry: T): T {
    this.#last = entry.seq;
    this.#slots[(entry.seq - 1) % this.#limit] = entry;
    if (this.#size < this.#limit) this.#size++;
    if (this.#waiters.size > 0) {
      for (const w of this.#waiters) if (w.match(entry)) w.wake();
    }
    return entry;
  }

  /** Entries with seq > `since` (oldest first) that pass `filter`. */
  since(since: number, filter?: (entry: T) => boolean): T[] {
    const out: T[] = [];
    const oldest = this.#last - this.#size + 1;
    for (let seq = Math.max(oldest, Math.floor(since) + 1); seq <= this.#last; seq++) {
      const entry = this.#slots[(seq - 1) % this.#limit];
      if (entry && (!filter || filter(entry))) out.push(entry);
    }
    return out;
  }

  /**
   * Entries after `since` that pass `filter`; when there are none yet, waits up to `waitMs`
   * for one to be appended (or for `releaseAll()`), then answers with what is there.
   */
  async wait(
    since: number,
    options: { waitMs: number; filter?: (entry: T) => boolean },
  ): Promise<T[]> {
    const found = this.since(since, options.filter);
    if (found.length > 0 || options.waitMs <= 0) return found;
    await new Promise<void>((resolve) => {
      const waiter: Waiter<T> = {
        match: (e) => e.seq > since && (!options.filter || options.filter(e)),
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, options.waitMs);
      this.#waiters.add(waiter);
    });
    return this.since(since, options.filter);
  }

  /** Number of long-polls waiting right now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Ends every pending long-poll now (used on reset and when the API port closes). */
  releaseAll(): void {
    for (const w of [...this.#waiters]) w.wake();
  }

  /** Drops the entries but keeps the sequence counter, so a client's `since` stays valid. */
  clear(): void {
    this.#slots = new Array(this.#limit);
    this.#size = 0;
    this.releaseAll();
  }
}
