/**
 * `generateReply` end to end: a real PostgreSQL 15 and the real mock LLM over loopback, through
 * the official SDKs — the Alice conversation, tool use, provider switch and the fault keys.
 */
import assert from "node:assert/strict";
import { startTestServer, testKey, type TestServer } from "../../mock_llm/_test_server.ts";
import { keyFingerprint } from "../../mock_llm/keys.ts";
import { startPostgres, type TestPostgres } from "../public/testing.ts";
import type { Deps } from "../deps.ts";
import type { Adapter, ChatRequest } from "./adapters/mod.ts";
import { addLlmConfig, addMessage, newUser, testDeps } from "../testing/agent.ts";
import {
  generateReply,
  NOT_CONFIGURED_REPLY,
  REJECTED_KEY_REPLY,
  type ReplyOptions,
  UNAVAILABLE_REPLY,
} from "./mod.ts";

let pg: TestPostgres | undefined;
let llm: TestServer | undefined;
let deps: Deps;

Deno.test.beforeAll(async () => {
  llm = startTestServer();
  pg = await startPostgres();
  deps = await testDeps(pg.sql, llm.base);
});
Deno.test.afterAll(async () => {
  await pg?.stop();
  await llm?.close();
});

/** Stores the inbound text, answers it, and stores the reply like the pipeline would. */
async function chat(userId: number, text: string, options: ReplyOptions = {}, d = deps) {
  const messageId = await addMessage(d.sql, userId, { content: text });
  const reply = await generateReply(d, { userId, messageId }, options);
  await addMessage(d.sql, userId, { direction: "outbound", content: reply.text });
  return reply;
}

async function journal(key: string) {
  return llm!.state.journal.query({ key_fingerprint: await keyFingerprint(key) });
}

const noWait = (sleeps: number[] = []): ReplyOptions => ({
  sleep: (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  },
});

// rules: R-CONTEXT-3
Deno.test("agent reply: without any LLM config the not-set-up text comes back", async () => {
  const user = await newUser(deps.sql);
  const reply = await chat(user, "hello");
  assert.equal(reply.text, NOT_CONFIGURED_REPLY);
  assert.equal(reply.metadata.error_kind, "not_configured");
  assert.equal(reply.metadata.provider, null);
});

// rules: R-CONTEXT-4
Deno.test("agent reply: Alice is remembered across messages", async () => {
  const user = await newUser(deps.sql);
  const key = testKey("alice");
  await addLlmConfig(deps, user, { provider: "openai", apiKey: key, model: "gpt-4o-mini" });
  assert.equal((await chat(user, "My name is Alice")).text, "Nice to meet you, Alice!");
  const second = await chat(user, "What's my name?");
  assert.equal(second.text, "Your name is Alice.");
  assert.deepEqual({ ...second.metadata, response_time_ms: 0 }, {
    provider: "openai",
    model: "gpt-4o-mini",
    response_time_ms: 0,
    tool_rounds: 0,
    fallback_used: false,
    error_kind: null,
  });
  assert.match((await chat(user, "Tell me a joke about my name")).text, /Alice/);
  const last = (await journal(key)).at(-1);
  // The system message, three user turns and two assistant turns (OpenAI counts all six).
  assert.equal(last?.message_count, 6);
  assert.equal(last?.last_user_message, "Tell me a joke about my name");
  assert.match(last?.system ?? "", /WhatsApp/);
});

for (const provider of ["openai", "anthropic", "google"] as const) {
  // rules: R-TOOLS-2
  Deno.test(`agent reply: ${provider} searches the history with a tool and quotes it`, async () => {
    const user = await newUser(deps.sql);
    await addLlmConfig(deps, user, { provider, apiKey: testKey("search") });
    await chat(user, "I love pineapple pizza");
    await chat(user, "The weather is nice");
    const reply = await chat(user, "search my messages for pineapple");
    assert.match(reply.text, /I love pineapple pizza/);
    assert.match(reply.text, /^I found \d+ matching message\(s\)/);
    assert.equal(reply.metadata.tool_rounds, 1);
  });
}

// rules: R-LLMCFG-7, R-LLMCFG-8
Deno.test("agent reply: switching to anthropic claude-3-haiku calls the resolved model", async () => {
  const user = await newUser(deps.sql);
  await addLlmConfig(deps, user, { provider: "openai", apiKey: testKey("before") });
  await chat(user, "hello");
  await deps.sql`UPDATE llm_configs SET is_active = false WHERE user_id = ${user}`;
  const key = testKey("after");
  await addLlmConfig(deps, user, { provider: "anthropic", apiKey: key, model: "claude-3-haiku" });
  const reply = await chat(user, "hello again");
  assert.equal(reply.metadata.model, "claude-3-haiku-20240307");
  const [entry] = await journal(key);
  assert.equal(entry?.path, "/v1/messages");
  assert.equal(entry?.model, "claude-3-haiku-20240307");
});

// rules: R-LLMERR-2
Deno.test("agent reply: mock-fail-429-times-2 gives a normal reply after exactly 3 calls", async () => {
  const user = await newUser(deps.sql);
  const key = testKey("u", "mock-fail-429-times-2");
  await addLlmConfig(deps, user, { provider: "openai", apiKey: key });
  const sleeps: number[] = [];
  const reply = await chat(user, "hello", noWait(sleeps));
  assert.equal(reply.text, 'You said: "hello"');
  assert.equal((await journal(key)).length, 3);
  assert.deepEqual(sleeps, [1000, 1000]); // the mock's Retry-After: 1
  assert.equal(reply.metadata.error_kind, null);
  assert.equal(reply.metadata.fallback_used, false);
});

// rules: R-LLMERR-3, R-LLMERR-4
Deno.test("agent reply: mock-fail-503 falls back; without a fallback one unavailable reply", async (t) => {
  await t.step("with a fallback", async () => {
    const user = await newUser(deps.sql);
    const bad = testKey("p", "mock-fail-503");
    const good = testKey("f");
    await addLlmConfig(deps, user, { provider: "openai", apiKey: bad });
    await addLlmConfig(deps, user, { provider: "google", apiKey: good, priority: 1 });
    const reply = await chat(user, "hello", noWait());
    assert.equal(reply.text, 'You said: "hello"');
    assert.equal(reply.metadata.fallback_used, true);
    assert.equal(reply.metadata.provider, "google");
    assert.equal((await journal(bad)).length, 4);
    assert.equal((await journal(good)).length, 1);
  });
  await t.step("without a fallback", async () => {
    const user = await newUser(deps.sql);
    const bad = testKey("p", "mock-fail-503");
    await addLlmConfig(deps, user, { provider: "anthropic", apiKey: bad });
    const reply = await chat(user, "hello", noWait());
    assert.equal(reply.text, UNAVAILABLE_REPLY);
    assert.equal(reply.metadata.error_kind, "unavailable");
    assert.equal((await journal(bad)).length, 4);
  });
});

// rules: R-LLMERR-5
Deno.test("agent reply: mock-invalid gets the rejected-key reply after 1 call", async () => {
  const user = await newUser(deps.sql);
  const key = testKey("p", "mock-invalid");
  await addLlmConfig(deps, user, { provider: "google", apiKey: key });
  await addLlmConfig(deps, user, { provider: "openai", apiKey: testKey("f"), priority: 1 });
  const reply = await chat(user, "hello", noWait());
  assert.equal(reply.text, REJECTED_KEY_REPLY);
  assert.equal(reply.metadata.error_kind, "rejected_key");
  assert.equal((await journal(key)).length, 1);
});

// rules: R-LLMERR-5
Deno.test("agent reply: an undecryptable key counts as rejected", async () => {
  const user = await newUser(deps.sql);
  await addLlmConfig(deps, user, { provider: "openai", apiKey: testKey("x") });
  await deps.sql`UPDATE llm_configs SET api_key_encrypted = 'enc:v1:00000000:AAAA'
                  WHERE user_id = ${user}`;
  const reply = await chat(user, "hello", noWait());
  assert.equal(reply.text, REJECTED_KEY_REPLY);
});

// rules: R-LLMERR-1, R-LLMERR-4
Deno.test("agent reply: mock-hang times out, then the unavailable reply", async () => {
  const fast = await testDeps(deps.sql, llm!.base, { LLM_TIMEOUT_MS: "200" });
  const user = await newUser(fast.sql);
  const key = testKey("h", "mock-hang");
  await addLlmConfig(fast, user, { provider: "openai", apiKey: key });
  const reply = await chat(user, "hello", noWait(), fast);
  assert.equal(reply.text, UNAVAILABLE_REPLY);
  assert.equal(reply.metadata.error_kind, "timeout");
  assert.equal((await journal(key)).length, 4);
});

// rules: R-CONTEXT-3
Deno.test("agent reply: the system default LLM answers users without a config", async () => {
  const key = testKey("system");
  const d = await testDeps(deps.sql, llm!.base, {
    ZAPA_DEFAULT_LLM_PROVIDER: "anthropic",
    ZAPA_DEFAULT_LLM_API_KEY: key,
    ZAPA_DEFAULT_LLM_MODEL: "claude-3-5-haiku",
  });
  const user = await newUser(d.sql);
  const reply = await chat(user, "hello", {}, d);
  assert.equal(reply.text, 'You said: "hello"');
  assert.equal(reply.metadata.model, "claude-3-5-haiku-latest");
  assert.equal((await journal(key)).length, 1);
});

Deno.test("agent reply: a missing message is an error, not a reply", async () => {
  await assert.rejects(generateReply(deps, { userId: 1, messageId: 999_999_999 }), /not found/);
});

// rules: R-TOOLS-3
Deno.test("agent reply: the tool loop stops after maxToolRounds with one call without tools", async () => {
  const user = await newUser(deps.sql);
  await addLlmConfig(deps, user, {
    provider: "openai",
    apiKey: "k",
    model: "gpt-4o",
    custom: "Answer like a pirate.",
  });
  const requests: ChatRequest[] = [];
  const greedy: Adapter = {
    chat(request) {
      requests.push(structuredClone(request));
      const n = requests.length;
      return Promise.resolve({
        text: request.toolChoice === "none" ? "final answer" : "",
        toolCalls: request.toolChoice === "none" ? [] : [
          { id: `c${n}`, name: n === 1 ? "search_messages" : "no_such_tool", args: { query: "x" } },
        ],
      });
    },
  };
  await addMessage(deps.sql, user, { message_type: "image", caption: "a cat" });
  const reply = await chat(user, "what did I send?", {
    adapters: { openai: greedy, anthropic: greedy, google: greedy },
  });
  assert.equal(reply.text, "final answer");
  assert.equal(reply.metadata.tool_rounds, 5);
  assert.equal(requests.length, 6);
  assert.ok(requests.slice(0, 5).every((r) => r.toolChoice === "auto" && r.tools?.length === 6));
  const last = requests.at(-1)!;
  assert.equal(last.toolChoice, "none");
  assert.equal(last.model, "gpt-4o");
  assert.match(last.system, /Answer like a pirate\.$/);
  assert.deepEqual(last.messages.slice(0, 2), [
    { role: "user", text: "[image] a cat" },
    { role: "user", text: "what did I send?" },
  ]);
  const results = last.messages.filter((m) => m.role === "tool");
  assert.equal(results.length, 5);
  assert.deepEqual(JSON.parse(results[0]!.content), []);
  assert.match(JSON.parse(results[1]!.content).error, /unknown tool/);
});
