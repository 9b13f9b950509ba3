/**
 * API-key handling for the mock LLM: the journal fingerprint (first 12 hex characters of
 * SHA-256(key)) and the key's fault directives, computed once per distinct key.
 *
 * The key itself is never stored anywhere but as a Map key of this bounded cache, which
 * keeps hashing off the hot path when a benchmark reuses one key.
 */
import { type FaultPlan, parseKeyDirectives } from "./faults.ts";

export interface KeyInfo {
  fingerprint: string;
  directives: FaultPlan;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** First 12 hex characters of SHA-256(key), as the journal shows it. */
export async function keyFingerprint(key: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  let hex = "";
  for (let i = 0; i < 6; i++) hex += HEX[digest[i] ?? 0];
  return hex;
}

/** A bounded cache of {@linkcode KeyInfo} by key; it starts over when full. */
export class KeyCache {
  #entries = new Map<string, KeyInfo>();
  constructor(readonly limit = 10_000) {}

  /** The key's info if it was seen before (no await on the hot path), else undefined. */
  cached(key: string): KeyInfo | undefined {
    return this.#entries.get(key);
  }

  /** Cached info for the key; hashes it on first sight. */
  async resolve(key: string): Promise<KeyInfo> {
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const info = { fingerprint: await keyFingerprint(key), directives: parseKeyDirectives(key) };
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, info);
    return info;
  }
}
