/**
 * In-process tests of the mock LLM's HTTP surface: bad input, auth, fault counters, the
 * journal and the control API. SDK-level behaviour lives in the per-provider tests.
 */
import assert from "node:assert/strict";
import { createApp, createHandler, createState } from "./app.ts";
import { keyFingerprint } from "./keys.ts";

/** Loosely typed JSON, for poking into response bodies. */
// deno-lint-ignore no-explicit-any
type Json = any;

const OPENAI = "/v1/chat/completions";
const ANTHROPIC = "/v1/messages";
const GEMINI = "/v1beta/models/gemini-2.0-flash:generateContent";

function setup() {
  const state = createState();
  const app = createApp(state);
  const post = (path: string, key: string | null, body: unknown) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== null) {
      if (path === ANTHROPIC) headers["x-api-key"] = key;
      else if (path.includes("/models/")) headers["x-goog-api-key"] = key;
      else headers.authorization = `Bearer ${key}`;
    }
    return app.request(path, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  };
  return { state, app, post };
}

const GOOD: Record<string, unknown> = {
  [OPENAI]: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] },
  [ANTHROPIC]: {
    model: "claude-3-haiku-20240307",
    max_tokens: 10,
    messages: [{ role: "user", content: "hello" }],
  },
  [GEMINI]: { contents: [{ role: "user", parts: [{ text: "hello" }] }] },
};

/** Checks a body is the provider's own error envelope for that status. */
function assertEnvelope(path: string, status: number, body: Json) {
  if (path === OPENAI) {
    assert.equal(typeof body.error?.message, "string");
    assert.ok("type" in body.error && "param" in body.error && "code" in body.error);
  } else if (path === ANTHROPIC) {
    assert.equal(body.type, "error");
    assert.equal(typeof body.error?.type, "string");
    assert.equal(typeof body.error?.message, "string");
  } else {
    assert.equal(body.error?.code, status);
    assert.equal(typeof body.error?.status, "string");
  }
}

const BAD_BODIES: Array<[string, Record<string, unknown>]> = [
  ["malformed JSON", { [OPENAI]: "{nope", [ANTHROPIC]: "{nope", [GEMINI]: "{nope" }],
  ["a JSON array", { [OPENAI]: [], [ANTHROPIC]: [], [GEMINI]: [] }],
  ["JSON null", { [OPENAI]: null, [ANTHROPIC]: null, [GEMINI]: null }],
  ["empty messages", {
    [OPENAI]: { model: "m", messages: [] },
    [ANTHROPIC]: { model: "m", max_tokens: 5, messages: [] },
    [GEMINI]: { contents: [] },
  }],
  ["a wrong role", {
    [OPENAI]: { model: "m", messages: [{ role: "robot", content: "x" }] },
    [ANTHROPIC]: { model: "m", max_tokens: 5, messages: [{ role: "tool", content: "x" }] },
    [GEMINI]: { contents: [{ role: "assistant", parts: [{ text: "x" }] }] },
  }],
  ["a non-object message", {
    [OPENAI]: { model: "m", messages: [null] },
    [ANTHROPIC]: { model: "m", max_tokens: 5, messages: [7] },
    [GEMINI]: { contents: ["x"] },
  }],
  ["content of the wrong type", {
    [OPENAI]: { model: "m", messages: [{ role: "user", content: 5 }] },
    [ANTHROPIC]: { model: "m", max_tokens: 5, messages: [{ role: "user", content: 5 }] },
    [GEMINI]: { contents: [{ role: "user", parts: [] }] },
  }],
  ["tools that are not a list", {
    [OPENAI]: { model: "m", messages: [{ role: "user", content: "x" }], tools: {} },
    [ANTHROPIC]: {
      model: "m",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
      tools: 1,
    },
    [GEMINI]: { contents: [{ parts: [{ text: "x" }] }], tools: "x" },
  }],
  ["an unanswered tool call", {
    [OPENAI]: {
      model: "m",
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "user", content: "y" },
      ],
    },
    [ANTHROPIC]: {
      model: "m",
      max_tokens: 5,
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
        { role: "user", content: "y" },
      ],
    },
    [GEMINI]: {
      contents: [{ role: "user", parts: [{ functionResponse: { name: "f", response: {} } }] }],
    },
  }],
];

// rules: R-MOCKLLM-1
Deno.test("mock llm app: bad input gets the provider's own 400, never a crash", async (t) => {
  const { post } = setup();
  for (const [name, bodies] of BAD_BODIES) {
    for (const path of [OPENAI, ANTHROPIC, GEMINI]) {
      await t.step(`${name} → ${path}`, async () => {
        const res = await post(path, "k", bodies[path]);
        assert.equal(res.status, 400);
        assertEnvelope(path, 400, await res.json());
      });
    }
  }
});

// rules: R-MOCKLLM-2
Deno.test("mock llm app: a missing or mock-invalid key gets the provider's 401", async () => {
  const { post, state } = setup();
  const codes: Record<string, (b: Json) => unknown> = {
    [OPENAI]: (b) => b.error.code,
    [ANTHROPIC]: (b) => b.error.type,
    [GEMINI]: (b) => b.error.status,
  };
  const expected: Record<string, string> = {
    [OPENAI]: "invalid_api_key",
    [ANTHROPIC]: "authentication_error",
    [GEMINI]: "UNAUTHENTICATED",
  };
  for (const path of [OPENAI, ANTHROPIC, GEMINI]) {
    for (const key of [null, "x_mock-invalid"]) {
      const res = await post(path, key, GOOD[path]);
      assert.equal(res.status, 401, `${path} ${key}`);
      const body = await res.json();
      assertEnvelope(path, 401, body);
      assert.equal(codes[path]!(body), expected[path]);
    }
  }
  assert.deepEqual(state.journal.query().map((e) => e.fault), [
    "missing-key",
    "mock-invalid",
    "missing-key",
    "mock-invalid",
    "missing-key",
    "mock-invalid",
  ]);
});

// rules: R-MOCKLLM-2
Deno.test("mock llm app: Anthropic accepts x-api-key and Bearer; Gemini accepts ?key=", async () => {
  const { app } = setup();
  const bearer = await app.request(ANTHROPIC, {
    method: "POST",
    headers: { authorization: "Bearer k" },
    body: JSON.stringify(GOOD[ANTHROPIC]),
  });
  assert.equal(bearer.status, 200);
  const query = await app.request(`${GEMINI}?key=k`, {
    method: "POST",
    body: JSON.stringify(GOOD[GEMINI]),
  });
  assert.equal(query.status, 200);
  const wrongHeader = await app.request(OPENAI, {
    method: "POST",
    headers: { "x-api-key": "k" },
    body: JSON.stringify(GOOD[OPENAI]),
  });
  assert.equal(wrongHeader.status, 401, "OpenAI only reads Authorization: Bearer");
});

// rules: R-MOCKLLM-4
Deno.test("mock llm app: mock-fail-429-times-2 fails exactly twice per key, then succeeds", async () => {
  const { post, state, app } = setup();
  for (const path of [OPENAI, ANTHROPIC, GEMINI]) {
    const key = `u-${path.length}_mock-fail-429-times-2`;
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(path, key, GOOD[path]);
      statuses.push(res.status);
      if (res.status === 429) assert.equal(res.headers.get("retry-after"), "1");
      await res.body?.cancel();
    }
    assert.deepEqual(statuses, [429, 429, 200, 200], path);
    const fp = await keyFingerprint(key);
    const res = await app.request(`/__mock/requests?key_fingerprint=${fp}`);
    const { items } = await res.json();
    assert.deepEqual(items.map((e: { status: number }) => e.status), [429, 429, 200, 200]);
    assert.deepEqual(items.map((e: { fault: string | null }) => e.fault), [
      "mock-fail-429-times-2",
      "mock-fail-429-times-2",
      null,
      null,
    ]);
  }
  assert.equal(state.journal.size, 12);
});

// rules: R-MOCKLLM-3
Deno.test("mock llm app: the same request gives the same reply text", async () => {
  const { post } = setup();
  const body = {
    model: "m",
    messages: [{ role: "user", content: "My name is Alice" }, {
      role: "user",
      content: "nice day",
    }],
  };
  const texts = [];
  for (let i = 0; i < 3; i++) {
    const res = await post(OPENAI, `k${i}`, body);
    texts.push((await res.json()).choices[0].message.content);
  }
  assert.deepEqual(texts, Array(3).fill('You said: "nice day" — noted, Alice.'));
});

// rules: R-MOCKLLM-5
Deno.test("mock llm app: the journal records calls by fingerprint and never the key", async () => {
  const { post, app } = setup();
  const key = "secret-key-123";
  await (await post(OPENAI, key, {
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "S".repeat(800) }, { role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "search_messages" } }],
  })).body?.cancel();
  const raw = await (await app.request("/__mock/requests")).text();
  assert.equal(raw.includes(key), false);
  const [entry] = JSON.parse(raw).items;
  assert.equal(entry.key_fingerprint, await keyFingerprint(key));
  assert.match(entry.key_fingerprint, /^[0-9a-f]{12}$/);
  assert.equal(entry.provider, "openai");
  assert.equal(entry.path, OPENAI);
  assert.equal(entry.model, "gpt-4o-mini");
  assert.equal(entry.message_count, 2);
  assert.equal(entry.last_user_message, "hi");
  assert.equal(entry.system.length, 500);
  assert.deepEqual(entry.tools, ["search_messages"]);
  assert.equal(entry.status, 200);
  assert.equal(typeof entry.duration_ms, "number");
  for (const query of ["since=-1", "limit=abc"]) {
    assert.equal((await app.request(`/__mock/requests?${query}`)).status, 400);
  }
  const gemini = await app.request("/__mock/requests?provider=gemini");
  assert.deepEqual((await gemini.json()).items, []);
});

// rules: R-MOCKLLM-4, R-MOCKLLM-5
Deno.test("mock llm app: global faults apply to matching calls; reset clears everything", async () => {
  const { post, app } = setup();
  const set = await app.request("/__mock/faults", {
    method: "POST",
    body: JSON.stringify({ provider: "anthropic", status: 503 }),
  });
  assert.deepEqual(await set.json(), { provider: "anthropic", status: 503 });
  assert.deepEqual(await (await app.request("/__mock/faults")).json(), {
    provider: "anthropic",
    status: 503,
  });
  assert.equal((await post(ANTHROPIC, "k", GOOD[ANTHROPIC])).status, 503);
  assert.equal((await post(OPENAI, "k", GOOD[OPENAI])).status, 200);
  assert.equal((await post(ANTHROPIC, "k_mock-fail-429", GOOD[ANTHROPIC])).status, 429, "key wins");
  const bad = await app.request("/__mock/faults", { method: "POST", body: '{"status":"x"}' });
  assert.equal(bad.status, 400);
  await (await app.request("/__mock/reset", { method: "POST" })).body?.cancel();
  assert.deepEqual(await (await app.request("/__mock/faults")).json(), {});
  assert.deepEqual((await (await app.request("/__mock/requests")).json()).items, []);
  assert.equal((await post(ANTHROPIC, "k", GOOD[ANTHROPIC])).status, 200);
});

// rules: R-MOCKLLM-1
Deno.test("mock llm app: Anthropic SSE follows the documented event order on the wire", async () => {
  const { post } = setup();
  const res = await post(ANTHROPIC, "k", { ...(GOOD[ANTHROPIC] as object), stream: true });
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const names = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  const distinct = names.filter((n, i) => n !== names[i - 1]);
  assert.deepEqual(distinct, [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
});

// rules: R-MOCKLLM-1
Deno.test("mock llm app: Gemini streams SSE without [DONE], or a JSON array without alt=sse", async () => {
  const { post } = setup();
  const stream = "/v1/models/gemini-2.0-flash:streamGenerateContent";
  const sse = await (await post(`${stream}?alt=sse`, "k", GOOD[GEMINI])).text();
  assert.equal(sse.includes("[DONE]"), false);
  assert.ok(sse.startsWith("data: {"));
  const array = await (await post(stream, "k", GOOD[GEMINI])).json();
  assert.ok(Array.isArray(array));
  assert.equal(
    array.map((c: Json) => c.candidates[0].content.parts[0].text).join(""),
    'You said: "hello"',
  );
  const unknown = await post("/v1/models/gemini-2.0-flash:embedContent", "k", GOOD[GEMINI]);
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.status, "NOT_FOUND");
});

// rules: R-MOCKLLM-2
Deno.test("mock llm app: /health needs no key", async () => {
  const { app } = setup();
  const res = await app.request("/health");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "healthy");
});

Deno.test("mock llm app: the server's handler answers every path as the app does, fixed provider paths included", async () => {
  const key = "same-answers";
  const cases: [string, string, unknown][] = [
    ["POST", OPENAI, GOOD[OPENAI]],
    ["POST", `${OPENAI}?trace=1`, GOOD[OPENAI]],
    ["POST", ANTHROPIC, GOOD[ANTHROPIC]],
    ["POST", GEMINI, GOOD[GEMINI]],
    ["POST", OPENAI, "{not json"],
    ["POST", ANTHROPIC, { model: "claude-3-haiku-20240307" }],
    ["POST", `${OPENAI}/`, GOOD[OPENAI]],
    ["POST", "/v1/chat/completion", GOOD[OPENAI]],
    ["POST", "/__proto__", GOOD[OPENAI]],
    ["GET", OPENAI, undefined],
    ["GET", "/health", undefined],
  ];
  const viaApp = createApp(createState());
  const viaHandler = createHandler(createState());
  for (const [method, path, body] of cases) {
    const init = () => ({
      method,
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        "x-api-key": key,
        "x-goog-api-key": key,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const a = await viaApp.request(path, init());
    const h = await viaHandler(new Request(`http://127.0.0.1:4000${path}`, init()));
    // Ids and timestamps differ per call; everything else must not.
    const strip = (text: string) =>
      text.replace(/"(id|created)":("[^"]*"|\d+)/g, '"$1":_').replace(/-mock[0-9a-z]+/g, "-mock_");
    assert.equal(h.status, a.status, `${method} ${path}`);
    assert.equal(h.headers.get("content-type"), a.headers.get("content-type"), `${method} ${path}`);
    assert.equal(strip(await h.text()), strip(await a.text()), `${method} ${path}`);
  }
});
