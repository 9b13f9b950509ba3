import assert from "node:assert/strict";
import { type PublicTestEnv, startPublicEnv } from "./testing.ts";
import type { TestLlmConfig } from "./llm_config.ts";

let env: PublicTestEnv | undefined;
const calls: Parameters<TestLlmConfig>[1][] = [];
const fakeTest: TestLlmConfig = (_deps, input) => {
  calls.push(input);
  const failing = input.apiKey === "mock-invalid";
  return Promise.resolve({
    success: !failing,
    message: failing ? "The provider rejected the API key (HTTP 401)." : "Connection successful.",
    response_time_ms: 1,
    provider: input.provider,
    model: String(input.modelSettings?.model ?? ""),
  });
};

Deno.test.beforeAll(async () => {
  env = await startPublicEnv({ app: { testLlmConfig: fakeTest } });
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

const SECRET = "sk-live-very-secret-key-ABCD";
const primary = (extra: Record<string, unknown> = {}) => ({
  provider: "openai",
  api_key: SECRET,
  model_settings: { model: "gpt-4o-mini", temperature: 0.2, custom_instructions: "Be brief." },
  ...extra,
});

// rules: R-LLMCFG-1, R-LLMCFG-9, R-LLMCFG-10
Deno.test("llm settings: save, read, encrypted at rest, never echoed", async () => {
  const { token, userId } = await env!.signIn("+15554000001");
  let res = await env!.call("GET", "/api/v1/llm-config", { token });
  assert.deepEqual(await res.json(), { primary: null, fallback: null });

  res = await env!.call("POST", "/api/v1/llm-config", { token, body: primary() });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(text.includes(SECRET), false);
  const saved = JSON.parse(text);
  assert.deepEqual(Object.keys(saved.primary).sort(), [
    "created_at",
    "id",
    "is_active",
    "key_hint",
    "model_settings",
    "priority",
    "provider",
    "updated_at",
  ]);
  assert.equal(saved.primary.key_hint, "ABCD");
  assert.deepEqual(saved.primary.model_settings, {
    model: "gpt-4o-mini",
    temperature: 0.2,
    max_tokens: 1000,
    custom_instructions: "Be brief.",
  });
  assert.equal(saved.fallback, null);

  const [row] = await env!.pg.sql`SELECT * FROM llm_configs WHERE user_id = ${userId}`;
  assert.match(row!.api_key_encrypted, /^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
  const dump = await env!.pg.sql`SELECT row_to_json(c)::text AS j FROM llm_configs c`;
  assert.ok(dump.every((r) => !r.j.includes(SECRET) && !r.j.includes("very-secret")));

  await env!.call("POST", "/api/v1/llm-config", { token, body: primary() });
  const [row2] = await env!.pg.sql`SELECT api_key_encrypted FROM llm_configs
    WHERE user_id = ${userId}`;
  assert.notEqual(row2!.api_key_encrypted, row!.api_key_encrypted, "fresh IV per save");

  res = await env!.call("GET", "/api/v1/llm-config", { token });
  const readBack = await res.text();
  assert.equal(readBack.includes(SECRET), false);
  assert.equal(JSON.parse(readBack).primary.key_hint, "ABCD");
});

// rules: R-LLMCFG-1, R-LLMCFG-2, R-LLMCFG-7
Deno.test("llm settings: fallback kept when omitted, removed by null; alias route; aliases kept as typed", async () => {
  const { token } = await env!.signIn("+15554000002");
  const fallback = {
    provider: "anthropic",
    api_key: "ant-fallback-9876",
    model_settings: { model: "claude-3-haiku" },
  };
  let res = await env!.call("POST", "/api/v1/llm/configure", {
    token,
    body: primary({ fallback }),
  });
  let body = await res.json();
  assert.equal(res.status, 200);
  assert.equal(body.fallback.provider, "anthropic");
  assert.equal(body.fallback.model_settings.model, "claude-3-haiku");
  assert.equal(body.fallback.priority, 1);
  assert.equal(body.fallback.key_hint, "9876");

  res = await env!.call("POST", "/api/v1/llm-config", {
    token,
    body: primary({ provider: "google", model_settings: { model: "gemini-pro" } }),
  });
  body = await res.json();
  assert.equal(body.primary.provider, "google");
  assert.equal(body.primary.model_settings.model, "gemini-pro");
  assert.equal(body.fallback.key_hint, "9876");

  res = await env!.call("POST", "/api/v1/llm-config/", {
    token,
    body: primary({ fallback: null }),
  });
  body = await res.json();
  assert.equal(body.fallback, null);
});

// rules: R-LLMCFG-3
Deno.test("llm settings: validation failures are 422 {detail}", async () => {
  const { token } = await env!.signIn("+15554000003");
  const cases: [string, unknown][] = [
    ["provider", primary({ provider: "azure" })],
    ["empty key", primary({ api_key: "" })],
    ["long key", primary({ api_key: "k".repeat(501) })],
    ["no model", primary({ model_settings: { temperature: 1 } })],
    ["temperature", primary({ model_settings: { model: "m", temperature: 2.1 } })],
    ["negative temperature", primary({ model_settings: { model: "m", temperature: -0.1 } })],
    ["max_tokens", primary({ model_settings: { model: "m", max_tokens: 8193 } })],
    ["max_tokens float", primary({ model_settings: { model: "m", max_tokens: 10.5 } })],
    [
      "instructions",
      primary({ model_settings: { model: "m", custom_instructions: "x".repeat(2001) } }),
    ],
    ["unknown field", primary({ admin: true })],
    ["bad fallback", primary({ fallback: { provider: "openai" } })],
    ["array", [primary()]],
    ["string", "nope"],
  ];
  for (const [name, body] of cases) {
    const res = await env!.call("POST", "/api/v1/llm-config", { token, body });
    const text = await res.text();
    assert.equal(res.status, 422, `${name}: ${text}`);
    assert.equal(typeof JSON.parse(text).detail, "string");
    assert.equal(text.includes(SECRET), false, "the key is never echoed in errors");
  }
  const ok = await env!.call("POST", "/api/v1/llm-config", {
    token,
    body: primary({
      api_key: "k".repeat(500),
      model_settings: { model: "m", temperature: 2, max_tokens: 8192 },
    }),
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

// rules: R-LLMCFG-4
Deno.test("llm settings: test call uses the body, the saved primary or the fallback; 404 when nothing", async () => {
  const { token } = await env!.signIn("+15554000004");
  let res = await env!.call("POST", "/api/v1/llm-config/test", { token });
  assert.equal(res.status, 404);
  assert.equal(typeof (await res.json()).detail, "string");
  res = await env!.call("POST", "/api/v1/llm-config/test", { token, body: {} });
  assert.equal(res.status, 404);
  await res.body?.cancel();

  res = await env!.call("POST", "/api/v1/llm-config/test", {
    token,
    body: { provider: "anthropic", api_key: "mock-invalid", model_settings: { model: "x" } },
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).success, false);
  assert.equal(calls.at(-1)!.apiKey, "mock-invalid");

  await env!.call("POST", "/api/v1/llm-config", {
    token,
    body: primary({
      fallback: { provider: "google", api_key: "g-key-1111", model_settings: { model: "g" } },
    }),
  });
  res = await env!.call("POST", "/api/v1/llm-config/test", { token, body: {} });
  const result = await res.json();
  assert.deepEqual(
    { ...result, response_time_ms: 0 },
    {
      success: true,
      message: "Connection successful.",
      response_time_ms: 0,
      provider: "openai",
      model: "gpt-4o-mini",
    },
  );
  assert.equal(calls.at(-1)!.apiKey, SECRET, "the saved key is decrypted for the call");
  res = await env!.call("POST", "/api/v1/llm-config/test?target=fallback", { token });
  assert.equal((await res.json()).provider, "google");
  assert.equal(calls.at(-1)!.apiKey, "g-key-1111");

  for (const body of [{ provider: "openai" }, [], "{"]) {
    const bad = await env!.call("POST", "/api/v1/llm-config/test", { token, body });
    assert.equal(bad.status, 422, JSON.stringify(body));
    await bad.body?.cancel();
  }
  const badTarget = await env!.call("POST", "/api/v1/llm-config/test?target=other", { token });
  assert.equal(badTarget.status, 422);
  await badTarget.body?.cancel();
});

// rules: R-LLMCFG-5
Deno.test("llm settings: delete removes both configs, then 404", async () => {
  const { token, userId } = await env!.signIn("+15554000005");
  let res = await env!.call("DELETE", "/api/v1/llm-config", { token });
  assert.equal(res.status, 404);
  await res.body?.cancel();
  await env!.call("POST", "/api/v1/llm-config", { token, body: primary() });
  res = await env!.call("DELETE", "/api/v1/llm-config", { token });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.success, true);
  assert.equal(typeof body.message, "string");
  const [n] = await env!.pg
    .sql`SELECT count(*)::int AS n FROM llm_configs WHERE user_id = ${userId}`;
  assert.equal(n!.n, 0);
});

// rules: R-LLMCFG-6
Deno.test("llm settings: providers catalogue needs no token; everything else does", async () => {
  const res = await env!.call("GET", "/api/v1/llm-config/providers");
  assert.equal(res.status, 200);
  const { providers } = await res.json();
  assert.deepEqual(providers.map((p: { value: string }) => p.value), [
    "openai",
    "anthropic",
    "google",
  ]);
  assert.equal(providers[1].default_model, "claude-3-5-haiku-latest");
  assert.deepEqual(Object.keys(providers[0]).sort(), [
    "default_model",
    "description",
    "models",
    "name",
    "value",
  ]);
  for (
    const [method, path] of [
      ["GET", "/api/v1/llm-config"],
      ["POST", "/api/v1/llm-config"],
      ["POST", "/api/v1/llm/configure"],
      ["POST", "/api/v1/llm-config/test"],
      ["DELETE", "/api/v1/llm-config"],
    ]
  ) {
    const denied = await env!.call(method!, path!, {
      body: method === "POST" ? primary() : undefined,
    });
    assert.equal(denied.status, 401, `${method} ${path}`);
    await denied.body?.cancel();
  }
});

// rules: R-MSG-5
Deno.test("llm settings: IDOR — one user's settings are invisible to another", async () => {
  const a = await env!.signIn("+15554000006");
  const b = await env!.signIn("+15554000007");
  await env!.call("POST", "/api/v1/llm-config", { token: a.token, body: primary() });
  const res = await env!.call("GET", "/api/v1/llm-config", { token: b.token });
  assert.deepEqual(await res.json(), { primary: null, fallback: null });
  const del = await env!.call("DELETE", "/api/v1/llm-config", { token: b.token });
  assert.equal(del.status, 404);
  await del.body?.cancel();
  const still = await env!.call("GET", "/api/v1/llm-config", { token: a.token });
  assert.equal((await still.json()).primary.key_hint, "ABCD");
});
