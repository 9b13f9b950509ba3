/** The mock's OpenAI wire format, driven by the official `openai` SDK over a real socket. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startTestServer, testKey, type TestServer } from "./_test_server.ts";
import { keyFingerprint } from "./keys.ts";

let server: TestServer;
Deno.test.beforeAll(() => {
  server = startTestServer();
});
Deno.test.afterAll(async () => {
  await server?.close();
});

function client(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${server.base}/v1`, maxRetries: 0 });
}

const SEARCH_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: {
    name: "search_messages",
    description: "Search this user's messages",
    parameters: {
      type: "object",
      properties: { query: { type: "string" }, limit: { type: "integer" } },
      required: ["query"],
    },
  },
};

// rules: R-MOCKLLM-1
Deno.test("mock llm openai: a plain completion answers with the brain's text and usage", async () => {
  const res = await client(testKey("oa")).chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hello" }],
  });
  assert.equal(res.object, "chat.completion");
  assert.equal(res.choices[0]?.message.content, 'You said: "hello"');
  assert.equal(res.choices[0]?.finish_reason, "stop");
  assert.equal(res.usage?.completion_tokens, Math.ceil('You said: "hello"'.length / 4));
  assert.equal(res.usage?.prompt_tokens, Math.ceil("Be brief.hello".length / 4));
});

Deno.test("mock llm openai: streaming works with iteration and with finalChatCompletion()", async () => {
  const key = testKey("oa");
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: "user", content: "My name is Alice" },
    { role: "assistant", content: "Nice to meet you, Alice!" },
    { role: "user", content: "What's my name?" },
  ];
  const stream = await client(key).chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    usage = chunk.usage ?? usage;
  }
  assert.equal(text, "Your name is Alice.");
  assert.equal(usage?.completion_tokens, Math.ceil(text.length / 4));

  const final = await client(key).chat.completions.stream({ model: "gpt-4o-mini", messages })
    .finalChatCompletion();
  assert.equal(final.choices[0]?.message.content, "Your name is Alice.");
  const journal = server.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
  assert.deepEqual(journal.map((e) => e.stream), [true, true]);
});

// rules: R-MOCKLLM-1
Deno.test("mock llm openai: a tool-call round trip ends in text without a second call", async () => {
  const key = testKey("oa");
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: "user", content: "Can you search my messages for pizza?" },
  ];
  const first = await client(key).chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    tools: [SEARCH_TOOL],
  });
  const choice = first.choices[0];
  assert.equal(choice?.finish_reason, "tool_calls");
  const call = choice?.message.tool_calls?.[0];
  assert.ok(call && call.type === "function");
  assert.equal(call.function.name, "search_messages");
  assert.deepEqual(JSON.parse(call.function.arguments), { query: "pizza", limit: 5 });

  const result = [
    { message_id: 2, content: "pizza tonight?", direction: "inbound", timestamp: "t2" },
    { message_id: 1, content: "I love pizza", direction: "outbound", timestamp: "t1" },
  ];
  messages.push(choice!.message, {
    role: "tool",
    tool_call_id: call.id,
    content: JSON.stringify(result),
  });
  const second = await client(key).chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    tools: [SEARCH_TOOL],
  });
  assert.equal(second.choices[0]?.finish_reason, "stop");
  assert.equal(second.choices[0]?.message.tool_calls, undefined);
  assert.equal(
    second.choices[0]?.message.content,
    'I found 2 matching message(s): "pizza tonight?"; "I love pizza"',
  );

  const streamed = await client(key).chat.completions.stream({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "find 'pizza'" }],
    tools: [SEARCH_TOOL],
  }).finalChatCompletion();
  const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
  assert.ok(streamedCall?.type === "function");
  assert.deepEqual(JSON.parse(streamedCall.function.arguments), { query: "pizza", limit: 5 });
  assert.notEqual(streamedCall.id, call.id);

  const journal = server.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
  assert.deepEqual(journal.map((e) => e.tool_result_present), [false, true, false]);
  assert.deepEqual(journal[1]?.tools, ["search_messages"]);
});

// rules: R-MOCKLLM-4
Deno.test("mock llm openai: fault keys raise the SDK's typed errors", async (t) => {
  const ask = (key: string, stream = false) =>
    stream
      ? client(key).chat.completions.stream({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hello there my friend" }],
      }).finalChatCompletion()
      : client(key).chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hello there my friend" }],
      });

  await t.step("mock-invalid gives AuthenticationError (401, invalid_api_key)", async () => {
    await assert.rejects(ask(testKey("oa", "mock-invalid")), (e: unknown) => {
      assert.ok(e instanceof OpenAI.AuthenticationError);
      assert.equal(e.status, 401);
      assert.equal(e.code, "invalid_api_key");
      return true;
    });
  });
  await t.step("mock-fail-429 gives RateLimitError with Retry-After: 1", async () => {
    await assert.rejects(ask(testKey("oa", "mock-fail-429")), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.headers.get("retry-after"), "1");
      return true;
    });
  });
  await t.step("mock-fail-503 gives InternalServerError 503", async () => {
    await assert.rejects(ask(testKey("oa", "mock-fail-503")), (e: unknown) => {
      assert.ok(e instanceof OpenAI.InternalServerError);
      assert.equal(e.status, 503);
      return true;
    });
  });
  for (const stream of [false, true]) {
    await t.step(`mock-cut-2 ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("oa", "mock-cut-2"), stream));
    });
    await t.step(`mock-bad-json ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("oa", "mock-bad-json"), stream));
    });
  }
  await t.step("mock-hang holds the call until the client times out", async () => {
    const key = testKey("oa", "mock-hang");
    const hung = new OpenAI({
      apiKey: key,
      baseURL: `${server.base}/v1`,
      maxRetries: 0,
      timeout: 300,
    });
    await assert.rejects(
      hung.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      OpenAI.APIConnectionTimeoutError,
    );
    const [entry] = server.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
    assert.equal(entry?.fault, "mock-hang");
    assert.equal(entry?.status, null);
  });
});

Deno.test("mock llm openai: mock-tool-loop asks for search_messages again after a tool result, text once tools are gone", async () => {
  const key = `${testKey("loop")}_mock-tool-loop`;
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: "user", content: "hello there" },
  ];
  for (let round = 1; round <= 3; round++) {
    const res: OpenAI.Chat.ChatCompletion = await client(key).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [...messages],
      tools: [SEARCH_TOOL],
    });
    const choice = res.choices[0];
    assert.equal(choice?.finish_reason, "tool_calls", `round ${round}`);
    const call = choice?.message.tool_calls?.[0];
    assert.ok(call && call.type === "function");
    assert.equal(call.function.name, "search_messages");
    messages.push(choice!.message, { role: "tool", tool_call_id: call.id, content: "[]" });
  }
  const last = await client(key).chat.completions.create({ model: "gpt-4o-mini", messages });
  assert.equal(last.choices[0]?.finish_reason, "stop");
  assert.equal(typeof last.choices[0]?.message.content, "string");
});
