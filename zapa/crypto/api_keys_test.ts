import assert from "node:assert/strict";
import {
  createKeyring,
  decryptApiKey,
  encryptApiKey,
  KeyDecryptionError,
  keyHint,
  needsRotation,
} from "./api_keys.ts";

const raw = (fill: number) => new Uint8Array(32).fill(fill);
const PLAIN = "sk-proj-Very$ecret/Key+with=chars-9Z";

async function keyId(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function unpack(stored: string): Uint8Array {
  const b64 = stored.split(":")[3]!.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
}

function repack(stored: string, bytes: Uint8Array): string {
  const b64 = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  return stored.split(":").slice(0, 3).join(":") + ":" + b64;
}

// rules: R-LLMCFG-9
Deno.test("api keys: round trip in the R-LLMCFG-9 format with the SHA-256 key id", async () => {
  const ring = await createKeyring(raw(1));
  const stored = await encryptApiKey(ring, 42, PLAIN);
  const id = await keyId(raw(1));
  assert.match(stored, new RegExp(`^enc:v1:${id}:[A-Za-z0-9_-]+$`));
  assert.equal(stored.includes(PLAIN), false);
  // 12-byte IV + ciphertext (same length as the plaintext) + 16-byte tag.
  assert.equal(unpack(stored).length, 12 + new TextEncoder().encode(PLAIN).length + 16);
  assert.equal(await decryptApiKey(ring, 42, stored), PLAIN);
  assert.equal(await decryptApiKey(ring, 1, await encryptApiKey(ring, 1, "ключ🔑")), "ключ🔑");
});

// rules: R-LLMCFG-9
Deno.test("api keys: every encryption uses a fresh IV", async () => {
  const ring = await createKeyring(raw(1));
  const a = await encryptApiKey(ring, 1, PLAIN);
  const b = await encryptApiKey(ring, 1, PLAIN);
  assert.notEqual(a, b);
  assert.notDeepEqual(unpack(a).slice(0, 12), unpack(b).slice(0, 12));
});

// rules: R-LLMCFG-9
Deno.test("api keys: the AAD binds a ciphertext to its user", async () => {
  const ring = await createKeyring(raw(1));
  const stored = await encryptApiKey(ring, 42, PLAIN);
  await assert.rejects(decryptApiKey(ring, 43, stored), KeyDecryptionError);
  // Same plaintext under the AAD zapa:llm-key:42, checked independently with WebCrypto.
  const key = await crypto.subtle.importKey("raw", raw(1) as BufferSource, "AES-GCM", false, [
    "decrypt",
  ]);
  const packed = unpack(stored);
  const plain = await crypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: packed.slice(0, 12),
      additionalData: new TextEncoder().encode("zapa:llm-key:42"),
      tagLength: 128,
    },
    key,
    packed.slice(12),
  );
  assert.equal(new TextDecoder().decode(plain), PLAIN);
});

// rules: R-LLMCFG-9
Deno.test("api keys: any tampering is detected", async () => {
  const ring = await createKeyring(raw(1));
  const stored = await encryptApiKey(ring, 7, PLAIN);
  const bytes = unpack(stored);
  for (const index of [0, 11, 12, bytes.length - 17, bytes.length - 1]) {
    const flipped = bytes.slice();
    flipped[index]! ^= 0x01;
    await assert.rejects(decryptApiKey(ring, 7, repack(stored, flipped)), KeyDecryptionError);
  }
  const bad = [
    PLAIN,
    "enc:v2:" + stored.slice(7),
    stored.replace(/^enc:v1:[0-9a-f]{8}/, "enc:v1:00000000"),
    stored.split(":").slice(0, 3).join(":"),
    stored.slice(0, 30),
    stored + "!!",
    "enc:v1:" + ring.current.id + ":",
  ];
  for (const value of bad) {
    await assert.rejects(decryptApiKey(ring, 7, value), KeyDecryptionError, value.slice(0, 20));
  }
});

// rules: R-LLMCFG-9
Deno.test("api keys: old keys decrypt, only the current key encrypts; rotation is detectable", async () => {
  const oldRing = await createKeyring(raw(1));
  const legacy = await encryptApiKey(oldRing, 9, PLAIN);
  const ring = await createKeyring(raw(2), [raw(1)]);
  assert.equal(await decryptApiKey(ring, 9, legacy), PLAIN);
  assert.equal(needsRotation(ring, legacy), true);
  const fresh = await encryptApiKey(ring, 9, PLAIN);
  assert.ok(fresh.startsWith(`enc:v1:${await keyId(raw(2))}:`));
  assert.equal(needsRotation(ring, fresh), false);
  const withoutOld = await createKeyring(raw(2));
  await assert.rejects(decryptApiKey(withoutOld, 9, legacy), KeyDecryptionError);
  await assert.rejects(createKeyring(new Uint8Array(16)));
});

// rules: R-LLMCFG-10
Deno.test("api keys: the hint is the last four characters", () => {
  assert.equal(keyHint("sk-abcdef1234"), "1234");
  assert.equal(keyHint("abc"), "abc");
});
