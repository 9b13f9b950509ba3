/**
 * LLM: `POST /api/v1/llm-config/test` (R-LLMCFG-4) for each provider — one minimal real call
 * without tools or retries; success, and `success:false` (never a 5xx) with a provider error;
 * the saved primary, `?target=fallback`, and 404 when there is nothing to test.
 */
import assert from "node:assert/strict";
import { configureLlm, createUser, llmCalls, uniqueKey } from "../../lib/fixtures.ts";
import { keyFingerprint } from "../../lib/clients/llm.ts";
import { suiteTest } from "../../lib/target.ts";

const MODELS = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.0-flash",
} as const;
type Provider = keyof typeof MODELS;

function body(provider: Provider, apiKey: string) {
  return { provider, api_key: apiKey, model_settings: { model: MODELS[provider] } };
}

for (const provider of Object.keys(MODELS) as Provider[]) {
  // rules: R-LLMCFG-4
  suiteTest(
    `llm: the connection test succeeds for ${provider} with one call, no tools`,
    async () => {
      const user = await createUser();
      const apiKey = uniqueKey(`check-${provider}`);
      const r = await user.api.testLlmConfig(body(provider, apiKey));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.success, true, r.text);
      assert.equal(r.json.provider, provider);
      assert.equal(r.json.model, MODELS[provider]);
      assert.equal(typeof r.json.message, "string");
      assert.ok(typeof r.json.response_time_ms === "number" && r.json.response_time_ms >= 0);
      const calls = await llmCalls(await keyFingerprint(apiKey));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.provider, provider);
      assert.deepEqual(calls[0]!.tools, [], "the test call offers no tools");
    },
  );

  // rules: R-LLMCFG-4
  suiteTest(
    `llm: the connection test reports ${provider} errors as success:false, never a 5xx`,
    async () => {
      const user = await createUser();
      for (const fault of ["mock-invalid", "mock-fail-503", "mock-fail-429", "mock-bad-json"]) {
        const apiKey = `${uniqueKey(`check-${provider}`)}_${fault}`;
        const r = await user.api.testLlmConfig(body(provider, apiKey));
        assert.equal(r.status, 200, `${fault}: ${r.status} ${r.text}`);
        assert.equal(r.json.success, false, `${fault}: ${r.text}`);
        assert.equal(r.json.provider, provider);
        assert.ok(r.json.message.length > 0, `${fault}: a message says why`);
        assert.doesNotMatch(r.json.message, new RegExp(apiKey), "the key is never echoed");
        // No retries: exactly one call per test, whatever the error.
        const calls = await llmCalls(await keyFingerprint(apiKey));
        assert.equal(calls.length, 1, `${fault}: ${calls.length} calls`);
      }
    },
  );
}

// rules: R-LLMCFG-4
suiteTest(
  "llm: the connection test uses the saved primary, or the fallback on request",
  async () => {
    const user = await createUser();
    const none = await user.api.testLlmConfig();
    assert.equal(none.status, 404, `nothing saved yet: ${none.text}`);

    const { primary, fallback } = await configureLlm(user, {
      provider: "anthropic",
      fallback: { provider: "google" },
    });
    const first = await user.api.testLlmConfig();
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.success, true, first.text);
    assert.equal(first.json.provider, "anthropic");
    assert.equal((await llmCalls(primary.fingerprint)).length, 1);

    const second = await user.api.testLlmConfig(undefined, "fallback");
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.success, true, second.text);
    assert.equal(second.json.provider, "google");
    assert.equal((await llmCalls(fallback!.fingerprint)).length, 1);
  },
);

// rules: R-LLMCFG-4
suiteTest("llm: a hanging provider fails the connection test within its 15 s limit", async () => {
  const user = await createUser();
  const apiKey = `${uniqueKey("check-hang")}_mock-hang`;
  const r = await user.api.raw<{ success: boolean; message: string; response_time_ms: number }>(
    "POST",
    "/api/v1/llm-config/test",
    { body: body("openai", apiKey), timeoutMs: 25_000 },
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.success, false, r.text);
  assert.ok(r.ms < 20_000, `answered after ${Math.round(r.ms)} ms`);
});
