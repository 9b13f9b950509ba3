/**
 * Integration, private → LLM (R-LLMERR-*, R-MOCKLLM-1): each provider's wire format through the
 * official SDKs, retries on 429, fallback on 503, the single "unavailable" reply, the rejected
 * key, the timeout path and a tool round. Faults live in each test's own API key, so the
 * tests share the stack; the journal is read by key fingerprint.
 */
import assert from "node:assert/strict";
import {
  bridgeControl,
  chat,
  configureLlm,
  createUser,
  llm,
  llmCalls,
  sendWhatsApp,
  type TestUser,
  uniqueKey,
} from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";
import { REJECTED, storedReply, UNAVAILABLE } from "./helpers.ts";

/**
 * Proves "exactly one reply" by order: after the first reply, a control message from the same
 * user is answered next (oldest first), so any second reply to the first message would show
 * up before the control's reply.
 */
async function assertOneReplyThenControl(user: TestUser, since: number): Promise<void> {
  await sendWhatsApp(user.phone, "control message");
  const sent = await bridgeControl.waitForSent({
    to: user.phone,
    since,
    count: 2,
    timeoutMs: 20_000,
  });
  const all = (await bridgeControl.sent({ to: user.phone, since })).items;
  assert.equal(all.length, 2, `expected 2 sends, saw ${JSON.stringify(all.map((i) => i.text))}`);
  assert.ok(sent[1]!.seq > sent[0]!.seq);
}

const PROVIDERS = [
  { provider: "openai", model: "gpt-4o-mini", path: /^\/v1\/chat\/completions$/ },
  { provider: "anthropic", model: "claude-3-5-haiku-latest", path: /^\/v1\/messages$/ },
  {
    provider: "google",
    model: "gemini-2.0-flash",
    path: /^\/v1(beta)?\/models\/gemini-2\.0-flash:generateContent$/,
  },
] as const;

for (const p of PROVIDERS) {
  // rules: R-MOCKLLM-1, R-LLMERR-1, R-CONTEXT-1
  suiteTest(`integration: private answers through ${p.provider}'s wire format`, async () => {
    const user = await createUser();
    const { primary } = await configureLlm(user, { provider: p.provider, model: p.model });
    const reply = await chat(user, `hello ${p.provider}`);
    assert.equal(reply.text, `You said: "hello ${p.provider}"`);
    const calls = await llmCalls(primary.fingerprint);
    assert.equal(calls.length, 1, JSON.stringify(calls));
    const call = calls[0]!;
    assert.equal(call.provider, p.provider);
    assert.match(call.path, p.path);
    assert.equal(call.model, p.model);
    assert.equal(call.stream, false, "Zapa's calls are non-streaming (R-LLMERR-1)");
    assert.equal(call.status, 200);
    assert.equal(call.last_user_message, `hello ${p.provider}`);
    assert.ok(call.tools.includes("search_messages"), `tools offered: ${call.tools}`);
    assert.ok((call.system ?? "").length > 0, "a system prompt is sent");
    const stored = await storedReply(user, reply.messageId);
    assert.equal(stored.content, reply.text);
    assert.equal(stored.metadata.provider, p.provider);
    assert.equal(stored.metadata.fallback_used, false);
  });
}

// rules: R-LLMERR-2
suiteTest("integration: two 429s are retried and the third call answers", async () => {
  const user = await createUser();
  const { primary } = await configureLlm(user, {
    apiKey: `${uniqueKey("r429")}_mock-fail-429-times-2`,
  });
  const reply = await chat(user, "retry me");
  assert.equal(reply.text, 'You said: "retry me"');
  const calls = await llmCalls(primary.fingerprint);
  assert.deepEqual(calls.map((c) => c.status), [429, 429, 200]);
  const stored = await storedReply(user, reply.messageId);
  assert.equal(stored.metadata.fallback_used, false);
  assert.equal(stored.metadata.error_kind ?? null, null);
});

// rules: R-LLMERR-3
suiteTest("integration: a failing primary (503) hands over to the fallback", async () => {
  const user = await createUser();
  const { primary, fallback } = await configureLlm(user, {
    provider: "openai",
    apiKey: `${uniqueKey("p503")}_mock-fail-503`,
    fallback: { provider: "anthropic" },
  });
  const reply = await chat(user, "fall back please");
  assert.equal(reply.text, 'You said: "fall back please"');
  const primaryCalls = await llmCalls(primary.fingerprint);
  // One call plus LLM_RETRY_ATTEMPTS (3) retries, all 503.
  assert.deepEqual(primaryCalls.map((c) => c.status), [503, 503, 503, 503]);
  const fallbackCalls = await llmCalls(fallback!.fingerprint);
  assert.equal(fallbackCalls.length, 1);
  assert.equal(fallbackCalls[0]!.provider, "anthropic");
  const stored = await storedReply(user, reply.messageId);
  assert.equal(stored.metadata.fallback_used, true);
  assert.equal(stored.metadata.provider, "anthropic");
});

// rules: R-LLMERR-4
suiteTest(
  'integration: with no fallback a failing provider gives exactly one "unavailable" reply',
  async () => {
    const user = await createUser();
    const { primary } = await configureLlm(user, {
      apiKey: `${uniqueKey("n503")}_mock-fail-503`,
      fallback: null,
    });
    const first = await chat(user, "nobody home");
    assert.equal(first.text, UNAVAILABLE);
    assert.equal((await llmCalls(primary.fingerprint)).length, 4);
    const stored = await storedReply(user, first.messageId);
    assert.equal(stored.content, UNAVAILABLE);
    assert.ok(stored.metadata.error_kind, `error_kind: ${JSON.stringify(stored.metadata)}`);
    await assertOneReplyThenControl(user, first.since);
  },
);

// rules: R-LLMERR-5
suiteTest(
  "integration: a rejected key gets the key-rejected reply after exactly one call, no fallback",
  async () => {
    const user = await createUser();
    const { primary, fallback } = await configureLlm(user, {
      apiKey: `${uniqueKey("bad")}_mock-invalid`,
      fallback: { provider: "google" },
    });
    const reply = await chat(user, "is my key fine?");
    assert.equal(reply.text, REJECTED);
    const calls = await llmCalls(primary.fingerprint);
    assert.equal(calls.length, 1, JSON.stringify(calls));
    assert.equal(calls[0]!.status, 401);
    assert.equal((await llmCalls(fallback!.fingerprint)).length, 0, "401 must not fall back");
    await assertOneReplyThenControl(user, reply.since);
  },
);

// rules: R-TOOLS-2
suiteTest(
  "integration: a tool round searches the user's history and the reply quotes it",
  async () => {
    const user = await createUser();
    const { primary } = await configureLlm(user);
    await chat(user, "The pineapple code is 4711");
    const since = await llm.lastSeq();
    const reply = await chat(user, 'Search my messages for "pineapple"');
    assert.match(reply.text, /^I found \d+ matching message\(s\): .*pineapple code is 4711/);
    const calls = await llm.requests({ key_fingerprint: primary.fingerprint, since });
    assert.equal(calls.length, 2, JSON.stringify(calls));
    assert.equal(calls[0]!.tool_result_present, false);
    assert.ok(calls[0]!.tools.includes("search_messages"));
    assert.equal(calls[1]!.tool_result_present, true);
    const stored = await storedReply(user, reply.messageId);
    assert.equal(stored.metadata.tool_rounds, 1);
  },
);

for (const provider of ["openai", "anthropic", "google"] as const) {
  // rules: R-TOOLS-3
  suiteTest(
    `integration: ${provider}: a model that keeps calling tools is stopped after 5 rounds by one call with tool calling off`,
    async () => {
      const user = await createUser();
      // mock-tool-loop: the mock asks for search_messages whenever it may (R-TOOLS-3 cap).
      const { primary } = await configureLlm(user, {
        provider,
        apiKey: `${uniqueKey("loop")}_mock-tool-loop`,
      });
      const since = await llm.lastSeq();
      const reply = await chat(user, "tell me everything");
      const calls = await llm.requests({ key_fingerprint: primary.fingerprint, since });
      // The last call still lists the tools (providers need them to read the earlier tool
      // calls) but with calling switched off.
      const shape = calls.map((c) =>
        c.tools.includes("search_messages") ? c.tool_choice ?? "unset" : "absent"
      );
      assert.deepEqual(
        shape.slice(-1),
        ["none"],
        `the last call may not call tools: ${JSON.stringify(shape)}`,
      );
      assert.equal(calls.length, 6, `five tool rounds and a last call: ${JSON.stringify(shape)}`);
      assert.ok(shape.slice(0, 5).every((s) => s !== "none" && s !== "absent"), String(shape));
      assert.ok(
        calls.slice(1).every((c) => c.tool_result_present),
        "rounds 2–6 carry tool results",
      );
      assert.ok(reply.text.length > 0, "the last call's text is the reply");
      const stored = await storedReply(user, reply.messageId);
      assert.equal(stored.metadata.tool_rounds, 5);
    },
  );
}
