/**
 * LLM: saving the primary again keeps the fallback when `fallback` is left out, and removes it
 * only when it is sent as null.
 */
import assert from "node:assert/strict";
import { configureLlm, createUser } from "../../lib/fixtures.ts";
import { suiteTest } from "../../lib/target.ts";

// rules: R-LLMCFG-2
suiteTest(
  "llm: a saved fallback survives a primary saved without one and goes with null",
  async () => {
    const user = await createUser();
    await configureLlm(user, { provider: "openai", fallback: { provider: "anthropic" } });
    await configureLlm(user, { provider: "google" });
    const kept = await user.api.llmConfig();
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.json.primary?.provider, "google");
    assert.equal(kept.json.fallback?.provider, "anthropic", "an omitted fallback stays as it is");
    await configureLlm(user, { provider: "google", fallback: null });
    const removed = await user.api.llmConfig();
    assert.equal(removed.json.fallback, null, "a null fallback removes it");
  },
);
