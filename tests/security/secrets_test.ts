/**
 * Security: LLM API keys at rest (R-LLMCFG-9) — stored only as `enc:v1:` ciphertext, a fresh
 * IV on every save, never returned, never logged by any service.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import {
  chat,
  configureLlm,
  createUser,
  requestCode,
  uniqueKey,
  uniquePhone,
} from "../../lib/fixtures.ts";
import { suiteTest, target } from "../../lib/target.ts";

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
}

/** Whether `needle` occurs as a contiguous run inside `haystack`. */
function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

// rules: R-LLMCFG-9
// tier: internal — reads our llm_configs table
suiteTest("security: an API key is stored encrypted, differently on each save", {
  needs: ["database"],
}, async () => {
  const user = await createUser();
  const apiKey = uniqueKey("at-rest");
  const saved = await configureLlm(user, { apiKey });
  assert.equal(saved.primary.apiKey, apiKey);
  const sql = postgres(target.database!, { max: 1, onnotice: () => {} });
  try {
    const read = () =>
      sql<{ api_key_encrypted: string; key_hint: string; model_settings: unknown }[]>`
        SELECT api_key_encrypted, key_hint, model_settings FROM llm_configs
        WHERE user_id = ${user.id} AND is_active AND priority = 0`;
    const [first] = await read();
    assert.ok(first, "a stored primary config");
    assert.match(first.api_key_encrypted, /^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    assert.ok(!first.api_key_encrypted.includes(apiKey), `plaintext in ${first.api_key_encrypted}`);
    assert.ok(
      !JSON.stringify(first.model_settings).includes(apiKey),
      "plaintext in model_settings",
    );
    assert.equal(first.key_hint, apiKey.slice(-4));

    // The blob is IV ‖ ciphertext ‖ tag (12 + len + 16 bytes, AES-256-GCM) and holds no
    // plaintext bytes — an encoding (base64, hex, XOR-free packing) is not encryption.
    const plain = new TextEncoder().encode(apiKey);
    const blob = fromBase64Url(first.api_key_encrypted.split(":")[3]!);
    assert.equal(
      blob.length,
      12 + plain.length + 16,
      `blob length: expected IV 12 + ${plain.length} + tag 16 bytes, saw ${blob.length}`,
    );
    assert.ok(!contains(blob, plain), "the stored blob contains the plaintext key bytes");

    await configureLlm(user, { apiKey });
    const [second] = await read();
    assert.notEqual(second!.api_key_encrypted, first.api_key_encrypted, "same key, new ciphertext");
    const secondBlob = fromBase64Url(second!.api_key_encrypted.split(":")[3]!);
    assert.notDeepEqual(secondBlob.slice(0, 12), blob.slice(0, 12), "a fresh IV on every save");
    assert.notDeepEqual(secondBlob.slice(12), blob.slice(12), "a different ciphertext and tag");

    // The plaintext appears in no text column of any table.
    const hits = await sql`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')`;
    for (const { table_name, column_name } of hits) {
      const found = await sql.unsafe(
        `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE $1`,
        [`%${apiKey}%`],
      );
      assert.equal(found[0]!.n, 0, `the key is readable in ${table_name}.${column_name}`);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
});

// rules: R-LLMCFG-10
suiteTest("security: an API key never comes back in a response", async () => {
  const user = await createUser();
  const apiKey = uniqueKey("no-echo");
  const save = await user.api.saveLlmConfig({
    provider: "openai",
    api_key: apiKey,
    model_settings: { model: "gpt-4o-mini" },
  });
  assert.equal(save.status, 200, save.text);
  assert.ok(!save.text.includes(apiKey), `save response echoes the key: ${save.text}`);
  assert.equal(save.json.primary?.key_hint, apiKey.slice(-4));
  const read = await user.api.llmConfig();
  assert.ok(!read.text.includes(apiKey), `read response echoes the key: ${read.text}`);
  const test = await user.api.testLlmConfig();
  assert.ok(!test.text.includes(apiKey), `test response echoes the key: ${test.text}`);
});

// rules: R-LLMCFG-10, R-OUTPUT-5
suiteTest("security: no service log contains an API key, a login code or a JWT", {
  needs: ["control"],
}, async () => {
  const user = await createUser();
  const apiKey = uniqueKey("no-log");
  await configureLlm(user, { apiKey });
  await chat(user, "a message so the key is used for a real call");
  await user.api.testLlmConfig();
  // A code request (the code travels through public → Redis → private → bridge).
  const code = await requestCode(uniquePhone());
  for (const service of ["private", "public", "bridge", "llm"] as const) {
    const logs = await target.control!.logs(service, 100_000);
    assert.ok(!logs.includes(apiKey), `${service} logged the API key`);
    assert.ok(!logs.includes(user.token), `${service} logged a JWT`);
    assert.ok(!logs.includes(user.token.split(".")[2]!), `${service} logged a JWT signature`);
    if (service === "private" || service === "public") {
      // The bridge plays WhatsApp (it shows the text); Zapa itself never logs the code.
      for (const leak of [`"${code}"`, `code is ${code}`]) {
        assert.ok(!logs.includes(leak), `${service} logged the login code (${leak})`);
      }
    }
  }
});
