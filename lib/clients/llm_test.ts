/** Tests of the mock LLM test client against the real mock on a loopback socket. */
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "../../mock_llm/_test_server.ts";
import { keyFingerprint as mockFingerprint } from "../../mock_llm/keys.ts";
import { keyFingerprint, LlmMockClient } from "./llm.ts";

let server: TestServer;
let client: LlmMockClient;
Deno.test.beforeAll(() => {
  server = startTestServer();
  client = new LlmMockClient(`${server.base}/`);
});
Deno.test.afterAll(async () => {
  await server?.close();
});

function chat(key: string, content = "hello") {
  return fetch(`${server.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }] }),
  }).then((r) => r.body?.cancel());
}

Deno.test("llm client: keyFingerprint matches the mock's algorithm", async () => {
  for (const key of ["", "sk-test", "u7_mock-fail-429-times-2", "ключ"]) {
    assert.equal(await keyFingerprint(key), await mockFingerprint(key));
  }
  assert.equal(await keyFingerprint("abc"), "ba7816bf8f01");
});

Deno.test("llm client: requests() and waitForRequests() find a key's calls", async () => {
  const key = `client-${crypto.randomUUID()}_mock-fail-429-times-2`;
  const fp = await keyFingerprint(key);
  const since = await client.lastSeq();
  const waiting = client.waitForRequests({ key_fingerprint: fp, count: 3, timeoutMs: 5_000 });
  for (let i = 0; i < 3; i++) await chat(key);
  const calls = await waiting;
  assert.deepEqual(calls.map((c) => c.status), [429, 429, 200]);
  assert.deepEqual(
    (await client.requests({ key_fingerprint: fp, limit: 1 })).map((c) => c.status),
    [200],
  );
  assert.equal((await client.requests({ provider: "gemini", key_fingerprint: fp })).length, 0);
  assert.deepEqual((await client.requests({ since })).map((c) => c.seq), calls.map((c) => c.seq));
  assert.equal(await client.lastSeq(), calls[2]?.seq);
});

Deno.test("llm client: waitForRequests() times out with a descriptive error", async () => {
  await assert.rejects(
    client.waitForRequests({ key_fingerprint: "000000000000", count: 1, timeoutMs: 150 }),
    /1 mock LLM call\(s\) with key fingerprint 000000000000.*\n.*saw 0/s,
  );
});

Deno.test("llm client: faults() sets, reads and clears global faults; reset() empties the journal", async () => {
  assert.deepEqual(await client.faults({ provider: "openai", status: 503, times: 1 }), {
    provider: "openai",
    status: 503,
    times: 1,
  });
  assert.deepEqual(await client.faults(), { provider: "openai", status: 503, times: 1 });
  await assert.rejects(client.faults({ status: 200 }), /expected HTTP 200, got 400/);
  await client.faults({});
  assert.deepEqual(await client.faults(), {});
  await chat("some-key");
  await client.reset();
  assert.deepEqual(await client.requests(), []);
  assert.equal(await client.healthy(), true);
});
