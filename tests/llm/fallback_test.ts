/**
 * LLM: fallback across providers (R-LLMERR-*). The primary fails with a transient error in
 * its own key; after its retries the fallback — another provider — answers, and the stored
 * reply records who answered and that the fallback was used.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import { chat, configureLlm, createUser, llmCalls, uniqueKey } from "../../lib/fixtures.ts";
import { logTail, suiteTest } from "../../lib/target.ts";

type Provider = "openai" | "anthropic" | "google";

const CHAINS: Array<{ primary: Provider; fault: string; fallback: Provider; calls: number }> = [
  { primary: "anthropic", fault: "mock-fail-529", fallback: "google", calls: 4 },
  { primary: "google", fault: "mock-fail-500", fallback: "openai", calls: 4 },
  { primary: "openai", fault: "mock-bad-json", fallback: "anthropic", calls: 4 },
  // Another 4xx is not retried: straight to the fallback after one call.
  { primary: "google", fault: "mock-fail-400", fallback: "anthropic", calls: 1 },
];

for (const c of CHAINS) {
  // rules: R-LLMERR-3
  suiteTest(
    `llm: ${c.primary} failing with ${c.fault} falls back to ${c.fallback}`,
    async () => {
      const user = await createUser();
      const { primary, fallback } = await configureLlm(user, {
        provider: c.primary,
        apiKey: `${uniqueKey(c.primary)}_${c.fault}`,
        fallback: { provider: c.fallback },
      });
      const { text, messageId } = await chat(user, `fallback ${c.primary} to ${c.fallback}`);
      assert.equal(text, `You said: "fallback ${c.primary} to ${c.fallback}"`);
      const primaryCalls = await llmCalls(primary.fingerprint);
      assert.equal(
        primaryCalls.length,
        c.calls,
        `primary calls: ${JSON.stringify(primaryCalls.map((x) => [x.status, x.fault]))}`,
      );
      assert.ok(primaryCalls.every((x) => x.provider === c.primary));
      const fallbackCalls = await llmCalls(fallback!.fingerprint);
      assert.equal(fallbackCalls.length, 1);
      assert.equal(fallbackCalls[0]!.provider, c.fallback);
      assert.equal(fallbackCalls[0]!.status, 200);
      // The fallback gets the same conversation.
      assert.equal(fallbackCalls[0]!.last_user_message, primaryCalls[0]!.last_user_message);

      const reply = await eventually(async () => {
        const list = await user.api.messages({ limit: 10 });
        const inbound = list.json.items?.find((m) => m.whatsapp_message_id === messageId);
        return list.json.items?.find((m) =>
          m.direction === "outbound" && m.id > (inbound?.id ?? 0)
        );
      }, { message: "the stored reply", onTimeout: () => logTail(["private", "llm"]) });
      assert.equal(reply.metadata.fallback_used, true);
      assert.equal(reply.metadata.provider, c.fallback);
    },
  );
}
