/** `testLlmConfig` against the real mock LLM: success, and failures as `success:false`. */
import assert from "node:assert/strict";
import { startTestServer, testKey, type TestServer } from "../../mock_llm/_test_server.ts";
import { keyFingerprint } from "../../mock_llm/keys.ts";
import type { Deps } from "../deps.ts";
import { testDeps } from "../testing/agent.ts";
import { testLlmConfig } from "./connection_check.ts";

let llm: TestServer | undefined;
let deps: Deps;

Deno.test.beforeAll(async () => {
  llm = startTestServer();
  deps = await testDeps(null as never, llm.base);
});
Deno.test.afterAll(async () => {
  await llm?.close();
});

// rules: R-LLMCFG-4
Deno.test("agent test call: a working key succeeds with one minimal call", async () => {
  for (const provider of ["openai", "anthropic", "google"] as const) {
    const key = testKey("t");
    const result = await testLlmConfig(deps, {
      provider,
      apiKey: key,
      modelSettings: { model: provider === "anthropic" ? "claude-3-haiku" : "" },
    });
    assert.equal(result.success, true, result.message);
    assert.equal(result.provider, provider);
    assert.match(result.message, /^Connection successful/);
    assert.ok(result.response_time_ms >= 0);
    const entries = llm!.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0]?.tools, []);
    if (provider === "anthropic") assert.equal(result.model, "claude-3-haiku-20240307");
  }
});

// rules: R-LLMCFG-4
Deno.test("agent test call: provider failures are success:false, without retries", async () => {
  const cases: [string, RegExp][] = [
    ["mock-invalid", /rejected the API key \(HTTP 401\)/],
    ["mock-fail-429", /rate limiting/],
    ["mock-fail-503", /unavailable/],
    ["mock-fail-404", /refused the request \(HTTP 404\)/],
    ["mock-bad-json", /could not be read/],
  ];
  for (const [directive, message] of cases) {
    const key = testKey("t", directive);
    const result = await testLlmConfig(deps, { provider: "openai", apiKey: key });
    assert.equal(result.success, false);
    assert.match(result.message, message);
    assert.equal(result.model, "gpt-4o-mini");
    const entries = llm!.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
    assert.equal(entries.length, 1, directive);
  }
});

// rules: R-LLMCFG-4
Deno.test("agent test call: a hanging provider times out as success:false", async () => {
  const result = await testLlmConfig(
    deps,
    { provider: "google", apiKey: testKey("t", "mock-hang") },
    { timeoutMs: 200 },
  );
  assert.equal(result.success, false);
  assert.match(result.message, /did not answer within/);
});

Deno.test("agent test call: an unreachable provider is success:false", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const offline = await testDeps(null as never, `http://127.0.0.1:${port}`);
  const result = await testLlmConfig(offline, { provider: "anthropic", apiKey: "k" });
  assert.equal(result.success, false);
  assert.match(result.message, /Could not reach the provider/);
});
