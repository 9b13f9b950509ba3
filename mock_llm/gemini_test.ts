/** The mock's Gemini wire format, driven by the official `@google/genai` SDK over a real socket. */
import assert from "node:assert/strict";
import { ApiError, type Content, GoogleGenAI, type Tool } from "@google/genai";
import { startTestServer, testKey, type TestServer } from "./_test_server.ts";
import { keyFingerprint } from "./keys.ts";

let server: TestServer;
Deno.test.beforeAll(() => {
  server = startTestServer();
});
Deno.test.afterAll(async () => {
  await server?.close();
});

function client(key: string, apiVersion?: string): GoogleGenAI {
  return new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: server.base, apiVersion } });
}

const SEARCH_TOOL: Tool = {
  functionDeclarations: [{
    name: "search_messages",
    description: "Search this user's messages",
    parametersJsonSchema: {
      type: "object",
      properties: { query: { type: "string" }, limit: { type: "integer" } },
      required: ["query"],
    },
  }],
};
const MODEL = "gemini-2.0-flash";

// rules: R-MOCKLLM-1
Deno.test("mock llm gemini: a plain call answers under /v1 and /v1beta with usageMetadata", async () => {
  for (const apiVersion of [undefined, "v1beta"]) {
    const key = testKey("ge");
    const res = await client(key, apiVersion).models.generateContent({
      model: MODEL,
      contents: "hello",
      config: { systemInstruction: "Be brief." },
    });
    assert.equal(res.text, 'You said: "hello"');
    assert.equal(res.candidates?.[0]?.finishReason, "STOP");
    assert.equal(
      res.usageMetadata?.candidatesTokenCount,
      Math.ceil('You said: "hello"'.length / 4),
    );
    const [entry] = server.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
    assert.equal(entry?.path, `/${apiVersion ?? "v1"}/models/${MODEL}:generateContent`);
    assert.equal(entry?.provider, "google");
    assert.equal(entry?.system, "Be brief.");
  }
});

Deno.test("mock llm gemini: generateContentStream delivers the same text in chunks", async () => {
  const contents: Content[] = [
    { role: "user", parts: [{ text: "My name is Alice" }] },
    { role: "model", parts: [{ text: "Nice to meet you, Alice!" }] },
    { role: "user", parts: [{ text: "What's my name?" }] },
  ];
  const stream = await client(testKey("ge")).models.generateContentStream({
    model: MODEL,
    contents,
  });
  let text = "";
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.text ?? "";
    chunks++;
  }
  assert.equal(text, "Your name is Alice.");
  assert.ok(chunks > 1, `expected several chunks, got ${chunks}`);
});

Deno.test("mock llm gemini: a functionCall round trip ends in text without a second call", async () => {
  const key = testKey("ge");
  const contents: Content[] = [{
    role: "user",
    parts: [{ text: "Do you remember what I said about the trip?" }],
  }];
  const first = await client(key).models.generateContent({
    model: MODEL,
    contents,
    config: { tools: [SEARCH_TOOL] },
  });
  const call = first.functionCalls?.[0];
  assert.equal(call?.name, "search_messages");
  assert.deepEqual(call?.args, { query: "the trip", limit: 5 });
  assert.ok(call?.id);

  contents.push(first.candidates![0]!.content!, {
    role: "user",
    parts: [{
      functionResponse: {
        id: call.id,
        name: "search_messages",
        response: { result: [{ content: "trip to Lisbon" }, { content: "trip booked" }] },
      },
    }],
  });
  const second = await client(key).models.generateContent({
    model: MODEL,
    contents,
    config: { tools: [SEARCH_TOOL] },
  });
  assert.equal(second.functionCalls, undefined);
  assert.equal(second.text, 'I found 2 matching message(s): "trip to Lisbon"; "trip booked"');

  const stream = await client(key).models.generateContentStream({
    model: MODEL,
    contents: "find pizza",
    config: { tools: [SEARCH_TOOL] },
  });
  const calls = [];
  for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
  assert.deepEqual(calls.map((c) => c.args), [{ query: "pizza", limit: 5 }]);
  assert.notEqual(calls[0]?.id, call.id);
});

// Empty contents never leave the SDK ("contents are required"); app_test.ts sends them raw.
Deno.test("mock llm gemini: bad requests get 400 INVALID_ARGUMENT", async (t) => {
  const cases: Array<[string, Content[]]> = [
    ["an unknown role", [{ role: "system", parts: [{ text: "x" }] }]],
    ["an orphan functionResponse", [{
      role: "user",
      parts: [{ functionResponse: { name: "search_messages", response: {} } }],
    }]],
  ];
  for (const [name, contents] of cases) {
    await t.step(name, async () => {
      await assert.rejects(
        client(testKey("ge")).models.generateContent({ model: MODEL, contents }),
        (e: unknown) => {
          assert.ok(e instanceof ApiError);
          assert.equal(e.status, 400);
          assert.equal(JSON.parse(e.message).error.status, "INVALID_ARGUMENT");
          return true;
        },
      );
    });
  }
});

// @google/genai throws on an unparsable SSE chunk without cancelling the body reader, so
// this test would trip `--sanitize-resources`; the leak is the SDK's, not the mock's.
Deno.test({
  name: "mock llm gemini: fault keys raise the SDK's errors",
  sanitizeResources: false,
}, async (t) => {
  const ask = async (key: string, stream = false) => {
    if (!stream) {
      return (await client(key).models.generateContent({
        model: MODEL,
        contents: "hello there my friend",
      })).text;
    }
    let text = "";
    const chunks = await client(key).models.generateContentStream({
      model: MODEL,
      contents: "hello there my friend",
    });
    for await (const chunk of chunks) text += chunk.text ?? "";
    return text;
  };
  const apiError = (status: number, grpc: string) => (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, status);
    assert.equal(JSON.parse(e.message).error.status, grpc);
    return true;
  };
  await t.step("mock-invalid gives ApiError 401 UNAUTHENTICATED", async () => {
    await assert.rejects(ask(testKey("ge", "mock-invalid")), apiError(401, "UNAUTHENTICATED"));
  });
  await t.step(
    "mock-fail-429 gives ApiError 429 RESOURCE_EXHAUSTED; Retry-After: 1 on the wire",
    async () => {
      const key = testKey("ge", "mock-fail-429");
      await assert.rejects(ask(key), apiError(429, "RESOURCE_EXHAUSTED"));
      // ApiError carries no headers, so check the header with a raw call.
      const res = await fetch(`${server.base}/v1beta/models/${MODEL}:generateContent?key=${key}`, {
        method: "POST",
        body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }),
      });
      await res.body?.cancel();
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "1");
    },
  );
  await t.step("mock-fail-503 gives ApiError 503 UNAVAILABLE", async () => {
    await assert.rejects(ask(testKey("ge", "mock-fail-503"), true), apiError(503, "UNAVAILABLE"));
  });
  for (const stream of [false, true]) {
    await t.step(`mock-cut-1 ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("ge", "mock-cut-1"), stream));
    });
    await t.step(`mock-bad-json ${stream ? "stream" : "JSON body"} raises an error`, async () => {
      await assert.rejects(ask(testKey("ge", "mock-bad-json"), stream));
    });
  }
});
