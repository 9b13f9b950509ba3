/**
 * LLM: switching provider and model (R-LLMCFG-*, R-LLMCFG-8 "Provider switch"). Each switch is
 * proven by the mock LLM's journal: the provider's path, the resolved model id and the new
 * key's fingerprint — and no call with the previous key afterwards.
 */
import assert from "node:assert/strict";
import { chat, configureLlm, createUser, llm, llmCalls, uniqueKey } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";

const PATHS = {
  openai: /^\/v1\/chat\/completions$/,
  anthropic: /^\/v1\/messages$/,
  google: /^\/v1(beta)?\/models\/[^/:]+:generateContent$/,
} as const;

// rules: R-LLMCFG-8
suiteTest(
  "llm: switching openai → anthropic → google changes provider, model and key",
  async () => {
    const user = await createUser();
    const steps = [
      { provider: "openai", model: "gpt-4o-mini", resolved: "gpt-4o-mini" },
      { provider: "anthropic", model: "claude-3-haiku", resolved: "claude-3-haiku-20240307" },
      { provider: "google", model: "gemini-2.0-flash", resolved: "gemini-2.0-flash" },
    ] as const;
    let previous: string | null = null;
    for (const step of steps) {
      const apiKey = uniqueKey(step.provider);
      const { primary } = await configureLlm(user, {
        provider: step.provider,
        model: step.model,
        apiKey,
      });
      const since = await llm.lastSeq();
      const { text } = await chat(user, `now on ${step.provider}`);
      assert.equal(text, `You said: "now on ${step.provider}"`);
      const calls = await llmCalls(primary.fingerprint);
      assert.equal(calls.length, 1, `${step.provider}: ${JSON.stringify(calls)}`);
      const call = calls[0]!;
      assert.equal(call.provider, step.provider);
      assert.match(call.path, PATHS[step.provider]);
      assert.equal(call.model, step.resolved, `${step.provider}: the resolved model id`);
      assert.equal(call.key_fingerprint, primary.fingerprint);
      if (previous) {
        const stale = await llm.requests({ key_fingerprint: previous, since });
        assert.deepEqual(stale, [], "no call with the previous key after the switch");
      }
      previous = primary.fingerprint;
    }
    // The setting is stored as typed; only the call resolves the alias.
    const saved = await user.api.llmConfig();
    assert.equal(saved.json.primary?.provider, "google");
  },
);

// rules: R-LLMCFG-7
suiteTest("llm: model aliases resolve at call time and are stored as typed", async () => {
  const user = await createUser();
  const aliases = [
    ["anthropic", "claude-3-haiku", "claude-3-haiku-20240307"],
    ["anthropic", "claude-3-sonnet", "claude-3-sonnet-20240229"],
    ["anthropic", "claude-3-opus", "claude-3-opus-20240229"],
    ["anthropic", "claude-3-5-haiku", "claude-3-5-haiku-latest"],
    ["anthropic", "claude-3-5-sonnet", "claude-3-5-sonnet-latest"],
    ["google", "gemini-pro", "gemini-1.5-pro"],
    ["openai", "gpt-4-turbo-preview", "gpt-4-turbo"],
    // Unknown ids pass through unchanged.
    ["openai", "gpt-unknown-test-model", "gpt-unknown-test-model"],
  ] as const;
  for (const [provider, model, resolved] of aliases) {
    const { primary } = await configureLlm(user, { provider, model });
    const saved = await user.api.llmConfig();
    assert.equal(saved.json.primary?.model_settings.model, model, `${model} stored as typed`);
    await chat(user, `alias ${model}`);
    const [call] = await llmCalls(primary.fingerprint);
    assert.equal(call?.model, resolved, `${provider} ${model} → ${resolved}`);
    if (provider === "google") assert.match(call!.path, new RegExp(`/models/${resolved}:`));
  }
});
