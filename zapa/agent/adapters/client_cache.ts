/**
 * A small, short-lived cache of SDK clients keyed by everything they are built from (API key,
 * base URL, timeout). Building an SDK client costs more than the call to a fast model, and a
 * busy user's replies all use the same settings; a changed key or URL is a different entry, so
 * nothing needs invalidating. Entries live `ttlMs` and the cache holds at most `max` of them.
 */

export class ClientCache<T> {
  #entries = new Map<string, { client: T; expires: number }>();

  constructor(private options: { max: number; ttlMs: number }) {}

  get(parts: readonly (string | number | null | undefined)[], make: () => T): T {
    const key = parts.map((p) => String(p ?? "")).join("\u0000");
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) return hit.client;
    if (hit) this.#entries.delete(key);
    if (this.#entries.size >= this.options.max) this.#prune(now);
    const client = make();
    this.#entries.set(key, { client, expires: now + this.options.ttlMs });
    return client;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired entries, then the oldest ones until there is room. */
  #prune(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expires <= now) this.#entries.delete(key);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.options.max) break;
      this.#entries.delete(key);
    }
  }
}
