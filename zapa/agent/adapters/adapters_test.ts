/**
 * The three adapters against the real mock LLM (`mock_llm/`) on a loopback socket: plain
 * replies, a `search_messages` round trip, and how provider failures map to the taxonomy.
 */
import assert from "node:assert/strict";
import { startTestServer, testKey, type TestServer } from "../../../mock_llm/_test_server.ts";
import type { Provider } from "../../config.ts";
import { ADAPTERS, type ChatRequest, LlmError, type ToolSpec } from "./mod.ts";

let server: TestServer;
Deno.test.beforeAll(() => {
  server = startTestServer();
});
Deno.test.afterAll(async () => {
  await server?.close();
});

const MODELS: Record<Provider, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-haiku-20240307",
  google: "gemini-2.0-flash",
};

const SEARCH: ToolSpec = {
  name: "search_messages",
  description: "Search this user's messages",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "text to find" },
      limit: { type: "integer", description: "max results" },
    },
    required: ["query"],
  },
};

function base(provider: Provider): string {
  return provider === "openai" ? `${server.base}/v1` : server.base;
}

function call(provider: Provider, key: string, request: Partial<ChatRequest>, timeoutMs = 5_000) {
  return ADAPTERS[provider].chat({
    model: MODELS[provider],
    system: "You are a test.",
    messages: [{ role: "user", text: "hello" }],
    maxTokens: 100,
    temperature: 0.7,
    ...request,
  }, { apiKey: key, baseUrl: base(provider), timeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LlmError, `expected LlmError, got ${error}`);
    return error;
  }
  assert.fail("expected the call to fail");
}

for (const provider of ["openai", "anthropic", "google"] as const) {
  Deno.test(`agent adapters ${provider}: a plain message gets the brain's text`, async () => {
    const result = await call(provider, testKey(provider), {
      messages: [
        { role: "user", text: "My name is Alice" },
        { role: "assistant", text: "Nice to meet you, Alice!" },
        { role: "user", text: "What's my name?" },
      ],
    });
    assert.deepEqual(result, { text: "Your name is Alice.", toolCalls: [] });
  });

  Deno.test(`agent adapters ${provider}: a search_messages round trip ends in text`, async () => {
    const key = testKey(provider);
    const messages: ChatRequest["messages"] = [
      { role: "user", text: "search my messages for pineapple" },
    ];
    const first = await call(provider, key, { messages, tools: [SEARCH] });
    assert.equal(first.toolCalls.length, 1);
    const toolCall = first.toolCalls[0]!;
    assert.equal(toolCall.name, "search_messages");
    assert.deepEqual(toolCall.args, { query: "pineapple", limit: 5 });
    messages.push({ role: "assistant", text: first.text, toolCalls: first.toolCalls });
    messages.push({
      role: "tool",
      callId: toolCall.id,
      name: toolCall.name,
      content: JSON.stringify([{ message_id: 1, content: "I love pineapple pizza" }]),
    });
    const second = await call(provider, key, { messages, tools: [SEARCH] });
    assert.deepEqual(second, {
      text: 'I found 1 matching message(s): "I love pineapple pizza"',
      toolCalls: [],
    });
    // The final call of the loop lists the tools but forbids calling them.
    const last = await call(provider, key, { messages, tools: [SEARCH], toolChoice: "none" });
    assert.equal(last.toolCalls.length, 0);
  });

  Deno.test(`agent adapters ${provider}: 401 is a rejected key`, async () => {
    const error = await failure(call(provider, testKey(provider, "mock-invalid"), {}));
    assert.equal(error.kind, "rejected_key");
    assert.equal(error.status, 401);
    assert.equal(error.transient, false);
  });

  Deno.test(`agent adapters ${provider}: 429 is transient with Retry-After, then OK`, async () => {
    const key = testKey(provider, "mock-fail-429-times-1");
    const error = await failure(call(provider, key, {}));
    assert.equal(error.kind, "rate_limited");
    assert.equal(error.retryAfterMs, 1_000);
    assert.equal(error.transient, true);
    assert.equal((await call(provider, key, {})).text, 'You said: "hello"');
  });

  Deno.test(`agent adapters ${provider}: 503 and 529 are unavailable, 400 a bad request`, async () => {
    for (const status of [503, 529]) {
      const error = await failure(call(provider, testKey(provider, `mock-fail-${status}`), {}));
      assert.equal(error.kind, "unavailable");
      assert.equal(error.status, status);
    }
    const error = await failure(call(provider, testKey(provider, "mock-fail-400"), {}));
    assert.equal(error.kind, "bad_request");
    assert.equal(error.transient, false);
  });

  Deno.test(`agent adapters ${provider}: bad JSON and cut bodies are transient`, async () => {
    for (const directive of ["mock-bad-json", "mock-cut-1"]) {
      const error = await failure(call(provider, testKey(provider, directive), {}));
      assert.ok(error.transient, `${directive} gave ${error.kind}: ${error.message}`);
    }
  });

  Deno.test(`agent adapters ${provider}: a hanging provider times out`, async () => {
    const started = Date.now();
    const error = await failure(call(provider, testKey(provider, "mock-hang"), {}, 300));
    assert.equal(error.kind, "timeout");
    assert.ok(Date.now() - started < 3_000);
  });
}
