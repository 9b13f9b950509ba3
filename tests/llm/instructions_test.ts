/**
 * LLM: the system prompt (R-CONTEXT-2) — the base prompt, then today's date, then the user's
 * `custom_instructions` — as each provider receives it (the mock journal's `system` field, at
 * most 500 characters), and a change applies from the next message.
 */
import assert from "node:assert/strict";
import { chat, createUser, llmCalls, uniqueKey } from "../../lib/fixtures.ts";
import { keyFingerprint } from "../../lib/clients/llm.ts";
import { suiteTest } from "../../lib/target.ts";

const MODELS = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.0-flash",
} as const;

for (const provider of Object.keys(MODELS) as Array<keyof typeof MODELS>) {
  // rules: R-CONTEXT-2
  suiteTest(`llm: custom instructions reach ${provider}'s system prompt`, async () => {
    const user = await createUser();
    const apiKey = uniqueKey(`instr-${provider}`);
    const save = (instructions: string) =>
      user.api.saveLlmConfig({
        provider,
        api_key: apiKey,
        model_settings: { model: MODELS[provider], custom_instructions: instructions },
      });
    assert.equal((await save("ZQ1 talk like a pirate")).status, 200);
    await chat(user, "first");
    assert.equal((await save("ZQ2 answer in haiku")).status, 200);
    await chat(user, "second");

    const calls = await llmCalls(await keyFingerprint(apiKey));
    assert.equal(calls.length, 2, JSON.stringify(calls.map((c) => c.last_user_message)));
    const [first, second] = calls.map((c) => c.system ?? "");
    const today = new Date().toISOString().slice(0, 10);
    for (
      const [label, system, wanted, stale] of [
        ["first", first!, "ZQ1 talk like a pirate", "ZQ2"],
        ["second", second!, "ZQ2 answer in haiku", "ZQ1"],
      ] as const
    ) {
      assert.ok(system.length > 0, `${label}: a system prompt`);
      // The journal keeps 500 characters; the short instructions fit after the base prompt.
      assert.ok(system.includes(wanted), `${label}: ${JSON.stringify(system)} lacks ${wanted}`);
      assert.ok(!system.includes(stale), `${label}: no stale instructions`);
      // Order: base prompt, date, then the user's instructions.
      const marker = system.indexOf(wanted.slice(0, 3));
      assert.ok(marker > 0, `${label}: instructions after the base prompt`);
      const date = system.indexOf(today);
      if (date >= 0) assert.ok(date < marker, `${label}: the date comes before the instructions`);
    }
  });
}
