/**
 * Decrypted LLM API keys, kept for a short while so a busy user's replies do not each pay an
 * AES-GCM decryption. Entries are keyed by the user and the exact stored ciphertext (a random
 * IV per encryption): a saved, replaced or rotated key is a different entry, so a settings
 * change can never be served a stale key. Failures are not cached.
 */
import { decryptApiKey, type Keyring } from "../crypto/api_keys.ts";

const TTL_MS = 60_000;
const MAX = 5_000;

const caches = new WeakMap<Keyring, Map<string, { key: string; expires: number }>>();

export async function cachedApiKey(
  keyring: Keyring,
  userId: number,
  stored: string,
): Promise<string> {
  let cache = caches.get(keyring);
  if (!cache) caches.set(keyring, cache = new Map());
  const id = `${userId}:${stored}`;
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && hit.expires > now) return hit.key;
  const key = await decryptApiKey(keyring, userId, stored);
  if (cache.size >= MAX) {
    for (const [k, v] of cache) if (v.expires <= now || cache.size >= MAX) cache.delete(k);
  }
  cache.set(id, { key, expires: now + TTL_MS });
  return key;
}
