import assert from "node:assert/strict";
import { createUser, startPostgres, type TestPostgres } from "../public/testing.ts";
import { createKeyring, decryptApiKey, type Keyring } from "../crypto/api_keys.ts";
import { ApiError } from "../http/errors.ts";
import {
  deleteLlmConfig,
  getLlmConfigs,
  loadDecryptedConfig,
  rotateStoredKeys,
  saveLlmConfig,
} from "./mod.ts";

let pg: TestPostgres | undefined;
let keyring: Keyring;
const rawKey = (fill: number) => new Uint8Array(32).fill(fill);

Deno.test.beforeAll(async () => {
  pg = await startPostgres();
  keyring = await createKeyring(rawKey(1));
});
Deno.test.afterAll(async () => {
  await pg?.stop();
});

const body = (apiKey: string, extra: Record<string, unknown> = {}) => ({
  provider: "openai",
  api_key: apiKey,
  model_settings: { model: "gpt-4o-mini" },
  ...extra,
});

// rules: R-LLMCFG-1, R-LLMCFG-9, R-LLMCFG-10
Deno.test("llm config store: saves encrypted, returns only the hint, upserts the primary", async () => {
  const sql = pg!.sql;
  const deps = { sql, keyring };
  const user = await createUser(sql, "+15551000001");
  const saved = await saveLlmConfig(deps, user, body("sk-secret-AAAA1234"));
  assert.equal(saved.fallback, null);
  assert.equal(saved.primary!.key_hint, "1234");
  assert.deepEqual(saved.primary!.model_settings, {
    model: "gpt-4o-mini",
    temperature: 0.7,
    max_tokens: 1000,
  });
  assert.equal(JSON.stringify(saved).includes("sk-secret"), false);
  const [row1] = await sql`SELECT * FROM llm_configs WHERE user_id = ${user}`;
  assert.match(row1!.api_key_encrypted, /^enc:v1:[0-9a-f]{8}:/);
  assert.equal(JSON.stringify(row1).includes("sk-secret"), false);

  const again = await saveLlmConfig(deps, user, body("sk-secret-AAAA1234"));
  assert.equal(again.primary!.id, saved.primary!.id);
  assert.ok(again.primary!.updated_at);
  const [row2] = await sql`SELECT api_key_encrypted FROM llm_configs WHERE user_id = ${user}`;
  assert.notEqual(row2!.api_key_encrypted, row1!.api_key_encrypted);
  const decrypted = await loadDecryptedConfig(deps, user);
  assert.equal(decrypted!.apiKey, "sk-secret-AAAA1234");
  // AAD binds the ciphertext to its user.
  await assert.rejects(decryptApiKey(keyring, user + 1, row2!.api_key_encrypted));
});

// rules: R-LLMCFG-2
Deno.test("llm config store: fallback omitted stays, null removes it", async () => {
  const sql = pg!.sql;
  const deps = { sql, keyring };
  const user = await createUser(sql, "+15551000002");
  const fallback = {
    provider: "anthropic",
    api_key: "ant-key-9999",
    model_settings: { model: "claude-3-haiku", temperature: 0 },
  };
  let out = await saveLlmConfig(deps, user, body("k1-0001", { fallback }));
  assert.equal(out.fallback!.provider, "anthropic");
  assert.equal(out.fallback!.model_settings.model, "claude-3-haiku");
  assert.equal(out.fallback!.priority, 1);
  out = await saveLlmConfig(deps, user, body("k2-0002"));
  assert.equal(out.fallback!.key_hint, "9999");
  assert.equal(out.primary!.key_hint, "0002");
  out = await saveLlmConfig(deps, user, body("k3-0003", { fallback: null }));
  assert.equal(out.fallback, null);
  assert.deepEqual(await getLlmConfigs(deps, 999_999), { primary: null, fallback: null });
});

// rules: R-LLMCFG-3
Deno.test("llm config store: validation rejects bad bodies with 422", async () => {
  const deps = { sql: pg!.sql, keyring };
  const cases: unknown[] = [
    [],
    null,
    body("k", { provider: "azure" }),
    body(""),
    body("x".repeat(501)),
    body("k", { model_settings: {} }),
    body("k", { model_settings: { model: "m", temperature: 2.5 } }),
    body("k", { model_settings: { model: "m", max_tokens: 0 } }),
    body("k", { model_settings: { model: "m", max_tokens: 8193 } }),
    body("k", { model_settings: { model: "m", custom_instructions: "x".repeat(2001) } }),
    body("k", { unknown_field: 1 }),
  ];
  for (const c of cases) {
    await assert.rejects(
      saveLlmConfig(deps, 1, c),
      (e) => e instanceof ApiError && e.status === 422,
    );
  }
});

// rules: R-LLMCFG-5
Deno.test("llm config store: delete reports whether there was a config", async () => {
  const sql = pg!.sql;
  const deps = { sql, keyring };
  const user = await createUser(sql, "+15551000003");
  assert.equal(await deleteLlmConfig(deps, user), false);
  await saveLlmConfig(deps, user, body("abcd-5678"));
  assert.equal(await deleteLlmConfig(deps, user), true);
  assert.deepEqual(await getLlmConfigs(deps, user), { primary: null, fallback: null });
});

// rules: R-LLMCFG-9
Deno.test("llm config store: rotation re-encrypts old-key rows under the current key", async () => {
  const sql = pg!.sql;
  const user = await createUser(sql, "+15551000004");
  const oldRing = await createKeyring(rawKey(7));
  await saveLlmConfig({ sql, keyring: oldRing }, user, body("rotate-me-4321"));
  const newRing = await createKeyring(rawKey(8), [rawKey(7)]);
  const result = await rotateStoredKeys({ sql, keyring: newRing });
  assert.ok(result.rotated >= 1);
  const [row] = await sql`SELECT api_key_encrypted FROM llm_configs WHERE user_id = ${user}`;
  assert.ok(row!.api_key_encrypted.startsWith(`enc:v1:${newRing.current.id}:`));
  const onlyNew = await createKeyring(rawKey(8));
  assert.equal(await decryptApiKey(onlyNew, user, row!.api_key_encrypted), "rotate-me-4321");
  const second = await rotateStoredKeys({ sql, keyring: newRing });
  assert.equal(second.rotated, 0);
});

Deno.test("llm config store: saving for a user deleted meanwhile is a 404, not a foreign-key 500", async () => {
  // An admin write racing the user's delete: the handler saw the row, then it vanished.
  const sql = pg!.sql;
  const user = await createUser(sql, "+15551000099");
  await sql`DELETE FROM users WHERE id = ${user}`;
  await assert.rejects(
    saveLlmConfig({ sql, keyring }, user, body("sk-race-0001")),
    (error: unknown) => error instanceof ApiError && error.status === 404,
  );
});
