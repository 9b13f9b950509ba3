/** The mock's Anthropic wire format, driven by the official `@anthropic-ai/sdk` over a real socket. */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startTestServer, testKey, type TestServer } from "./_test_server.ts";
import { keyFingerprint } from "./keys.ts";

let server: TestServer;
Deno.test.beforeAll(() => {
  server = startTestServer();
});
Deno.test.afterAll(async () => {
  await server?.close();
});

function client(key: string): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: server.base, maxRetries: 0 });
}

const SEARCH_TOOL: Anthropic.Tool = {
  name: "search_messages",
  description: "Search this user's messages",
  input_schema: {
    type: "object",
    properties: { query: { type: "string" }, limit: { type: "integer" } },
    required: ["query"],
  },
};
const MODEL = "claude-3-haiku-20240307";

function textOf(message: Anthropic.Message): string {
  return message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

// rules: R-MOCKLLM-1
Deno.test("mock llm anthropic: a plain message answers with text, stop_reason and usage", async () => {
  const key = testKey("an");
  const res = await client(key).messages.create({
    model: MODEL,
    max_tokens: 100,
    system: "Be brief.",
    messages: [{ role: "user", content: "hello" }],
  });
  assert.equal(res.type, "message");
  assert.equal(textOf(res), 'You said: "hello"');
  assert.equal(res.stop_reason, "end_turn");
  assert.equal(res.usage.output_tokens, Math.ceil('You said: "hello"'.length / 4));
  const [entry] = server.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
  assert.equal(entry?.path, "/v1/messages");
  assert.equal(entry?.model, MODEL);
  assert.equal(entry?.system, "Be brief.");
});

Deno.test("mock llm anthropic: streaming works with messages.stream().finalMessage()", async () => {
  const stream = client(testKey("an")).messages.stream({
    model: MODEL,
    max_tokens: 100,
    messages: [
      { role: "user", content: "My name is Alice" },
      { role: "assistant", content: "Nice to meet you, Alice!" },
      { role: "user", content: "Tell me a joke about my name" },
    ],
  });
  const seen: string[] = [];
  stream.on("streamEvent", (event) => seen.push(event.type));
  const final = await stream.finalMessage();
  assert.match(textOf(final), /^Here's a joke for you, Alice: /);
  assert.equal(final.stop_reason, "end_turn");
  // The documented order (the SDK swallows `ping`; app_test.ts checks it on the wire).
  assert.deepEqual([...new Set(seen)], [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  assert.ok(seen.filter((t) => t === "content_block_delta").length > 1);
});

Deno.test("mock llm anthropic: a tool_use round trip ends in text without a second call", async () => {
  const key = testKey("an");
  const messages: Anthropic.MessageParam[] = [
    { role: "user", content: 'Please look up "dentist appointment"' },
  ];
  const first = await client(key).messages.create({
    model: MODEL,
    max_tokens: 100,
    messages,
    tools: [SEARCH_TOOL],
  });
  assert.equal(first.stop_reason, "tool_use");
  const use = first.content.find((b) => b.type === "tool_use");
  assert.ok(use?.type === "tool_use");
  assert.equal(use.name, "search_messages");
  assert.deepEqual(use.input, { query: "dentist appointment", limit: 5 });

  messages.push({ role: "assistant", content: first.content }, {
    role: "user",
    content: [{
      type: "tool_result",
      tool_use_id: use.id,
      content: JSON.stringify([{ content: "dentist at 3pm", direction: "inbound" }]),
    }],
  });
  const second = await client(key).messages.create({
    model: MODEL,
    max_tokens: 100,
    messages,
    tools: [SEARCH_TOOL],
  });
  assert.equal(second.stop_reason, "end_turn");
  assert.equal(second.content.some((b) => b.type === "tool_use"), false);
  assert.equal(textOf(second), 'I found 1 matching message(s): "dentist at 3pm"');

  const streamed = await client(key).messages.stream({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: "user", content: "search for pizza" }],
    tools: [SEARCH_TOOL],
  }).finalMessage();
  const streamedUse = streamed.content.find((b) => b.type === "tool_use");
  assert.ok(streamedUse?.type === "tool_use");
  assert.deepEqual(streamedUse.input, { query: "pizza", limit: 5 });
  assert.notEqual(streamedUse.id, use.id);
});

// rules: R-MOCKLLM-1
Deno.test("mock llm anthropic: invalid requests get 400 invalid_request_error", async (t) => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      "missing max_tokens",
      { model: MODEL, messages: [{ role: "user", content: "hi" }] },
      /max_tokens/,
    ],
    ["empty messages", { model: MODEL, max_tokens: 5, messages: [] }, /at least one message/],
    ["a system-role message", {
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: "system", content: "x" }],
    }, /Unexpected role "system"/],
    ["an orphan tool_result", {
      model: MODEL,
      max_tokens: 5,
      messages: [{
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_nope", content: "[]" }],
      }],
    }, /unexpected `tool_use_id`/],
  ];
  for (const [name, body, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(
        client(testKey("an")).messages.create(
          body as unknown as Anthropic.MessageCreateParamsNonStreaming,
        ),
        (e: unknown) => {
          assert.ok(e instanceof Anthropic.BadRequestError);
          assert.equal(e.status, 400);
          const error = (e.error as { error?: { type?: string; message?: string } }).error;
          assert.equal(error?.type, "invalid_request_error");
          assert.match(error?.message ?? "", message);
          return true;
        },
      );
    });
  }
});

Deno.test("mock llm anthropic: fault keys raise the SDK's typed errors", async (t) => {
  const ask = (key: string, stream = false) => {
    const params = {
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: "user" as const, content: "hello there my friend" }],
    };
    return stream
      ? client(key).messages.stream(params).finalMessage()
      : client(key).messages.create(params);
  };
  await t.step("mock-invalid gives AuthenticationError (authentication_error)", async () => {
    await assert.rejects(ask(testKey("an", "mock-invalid")), (e: unknown) => {
      assert.ok(e instanceof Anthropic.AuthenticationError);
      assert.equal((e.error as { error?: { type?: string } }).error?.type, "authentication_error");
      return true;
    });
  });
  await t.step("mock-fail-429 gives RateLimitError with Retry-After: 1", async () => {
    await assert.rejects(ask(testKey("an", "mock-fail-429")), (e: unknown) => {
      assert.ok(e instanceof Anthropic.RateLimitError);
      assert.equal(e.headers.get("retry-after"), "1");
      return true;
    });
  });
  await t.step("mock-fail-503 gives InternalServerError 503; 529 is overloaded_error", async () => {
    await assert.rejects(ask(testKey("an", "mock-fail-503")), Anthropic.InternalServerError);
    await assert.rejects(ask(testKey("an", "mock-fail-529")), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError);
      assert.equal(e.status, 529);
      assert.equal((e.error as { error?: { type?: string } }).error?.type, "overloaded_error");
      return true;
    });
  });
  for (const stream of [false, true]) {
    await t.step(`mock-cut-2 ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("an", "mock-cut-2"), stream));
    });
    await t.step(`mock-bad-json ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("an", "mock-bad-json"), stream));
    });
  }
});
