/**
 * LLM API keys at rest (R-LLMCFG-9): AES-256-GCM via WebCrypto with a random 96-bit IV,
 * a 128-bit tag and the AAD `zapa:llm-key:<user_id>`, stored as
 * `enc:v1:<key-id>:<base64url(iv‖ciphertext‖tag)>`. The key id (first 8 hex characters of
 * SHA-256 of the raw key) selects the current key or an old, decrypt-only one.
 * Shared by both entrypoints.
 */

const PREFIX = "enc:v1:";
const IV_BYTES = 12;

export class KeyDecryptionError extends Error {
  override name = "KeyDecryptionError";
}

interface KeyEntry {
  id: string;
  key: CryptoKey;
}

export interface Keyring {
  current: KeyEntry;
  byId: Map<string, KeyEntry>;
}

/** Builds the keyring from the raw current key and any old keys (all 32 bytes). */
export async function createKeyring(current: Uint8Array, old: Uint8Array[] = []): Promise<Keyring> {
  const currentEntry = await importKey(current);
  const byId = new Map<string, KeyEntry>([[currentEntry.id, currentEntry]]);
  for (const raw of old) {
    const entry = await importKey(raw);
    if (!byId.has(entry.id)) byId.set(entry.id, entry);
  }
  return { current: currentEntry, byId };
}

async function importKey(raw: Uint8Array): Promise<KeyEntry> {
  if (raw.length !== 32) throw new Error("encryption keys must be 32 bytes");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw as BufferSource));
  const id = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = await crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  return { id, key };
}

function aad(userId: number): Uint8Array {
  return new TextEncoder().encode(`zapa:llm-key:${userId}`);
}

export async function encryptApiKey(
  keyring: Keyring,
  userId: number,
  plaintext: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(userId) as BufferSource, tagLength: 128 },
      keyring.current.key,
      new TextEncoder().encode(plaintext),
    ),
  );
  const packed = new Uint8Array(iv.length + sealed.length);
  packed.set(iv);
  packed.set(sealed, iv.length);
  return `${PREFIX}${keyring.current.id}:${toBase64Url(packed)}`;
}

export async function decryptApiKey(
  keyring: Keyring,
  userId: number,
  stored: string,
): Promise<string> {
  if (!stored.startsWith(PREFIX)) throw new KeyDecryptionError("not an enc:v1 value");
  const rest = stored.slice(PREFIX.length);
  const colon = rest.indexOf(":");
  const entry = keyring.byId.get(rest.slice(0, colon));
  if (colon < 0 || !entry) throw new KeyDecryptionError("unknown encryption key id");
  let packed: Uint8Array;
  try {
    packed = fromBase64Url(rest.slice(colon + 1));
  } catch {
    throw new KeyDecryptionError("malformed ciphertext");
  }
  if (packed.length < IV_BYTES + 16) throw new KeyDecryptionError("ciphertext too short");
  try {
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: packed.slice(0, IV_BYTES),
        additionalData: aad(userId) as BufferSource,
        tagLength: 128,
      },
      entry.key,
      packed.slice(IV_BYTES),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new KeyDecryptionError("authentication failed");
  }
}

/** True when the value was encrypted with an old key and should be re-encrypted. */
export function needsRotation(keyring: Keyring, stored: string): boolean {
  return !stored.startsWith(`${PREFIX}${keyring.current.id}:`);
}

/** The last four characters, the only part of a key ever shown. */
export function keyHint(apiKey: string): string {
  return apiKey.slice(-4);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(
    atob(base64 + "=".repeat((4 - base64.length % 4) % 4)),
    (c) => c.charCodeAt(0),
  );
}
