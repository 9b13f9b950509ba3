/**
 * The opt-in live LLM run (issue 10), shared by `live_<provider>_test.ts`: with
 * `TEST_<PROVIDER>_KEY` set, a test user's Zapa talks to the real provider (the test command
 * boots a live stack without that provider's base-URL override, see lib/runner/live.ts) and
 * the test checks the connection test, a plain reply, the Alice scenario and one tool round,
 * printing latency and an estimate of the tokens spent. Without the key the test is ignored
 * with a message naming the variable; nothing here touches the stack until the test runs, so
 * an ignored test needs no stack at all.
 */
import assert from "node:assert/strict";

export type LiveProviderName = "openai" | "anthropic" | "google";

const DEFAULT_MODELS: Record<LiveProviderName, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.0-flash",
};
/** Replies are kept short: each call costs real tokens. */
const MAX_TOKENS = 200;
/** A real provider can be slow; Zapa's own LLM timeout is 30 s per call. */
const REPLY_TIMEOUT_MS = 120_000;
/** Rough prompt overhead per call: the base prompt and six tool schemas (≈ 4 chars/token). */
const OVERHEAD_TOKENS_PER_CALL = 700;

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name)?.trim() || undefined;
  } catch {
    return undefined; // no permission to read it: treat as unset
  }
}

/** Registers the live test for one provider. */
export function liveLlmTest(provider: LiveProviderName): void {
  const upper = provider.toUpperCase();
  const keyVar = `TEST_${upper}_KEY`;
  const modelVar = `TEST_${upper}_MODEL`;
  const key = readEnv(keyVar);
  const model = readEnv(modelVar) ?? DEFAULT_MODELS[provider];
  const name = `llm: live ${provider} answers through Zapa (plain reply, Alice, a tool round, ` +
    "connection test)";
  if (!key) {
    console.log(
      `IGNORED "${name}": set ${keyVar} (optionally ${modelVar}, default ${model}) to run it ` +
        `against the real ${provider} API`,
    );
  }
  Deno.test({ name, ignore: !key, fn: (t) => runLive(t, { provider, key: key!, model }) });
}

interface Figures {
  step: string;
  ms: number;
  calls: number;
  chars: number;
}

async function runLive(
  t: Deno.TestContext,
  live: { provider: LiveProviderName; key: string; model: string },
): Promise<void> {
  // Imported here, not at the top: they resolve the stack, which an ignored test never needs.
  const { chat, createUser, llmCalls } = await import("../../lib/fixtures.ts");
  const { keyFingerprint } = await import("../../lib/clients/llm.ts");
  const { storedReply, REJECTED, UNAVAILABLE } = await import("../integration/helpers.ts");
  const { target } = await import("../../lib/target.ts");

  const figures: Figures[] = [];
  const user = await createUser();
  const saved = await user.api.saveLlmConfig({
    provider: live.provider,
    api_key: live.key,
    model_settings: { model: live.model, max_tokens: MAX_TOKENS, temperature: 0 },
  });
  assert.equal(saved.status, 200, `saving the ${live.provider} config: ${saved.text}`);

  const connected = await t.step("the connection test reaches the real API", async () => {
    const r = await user.api.raw<{ success: boolean; message: string; response_time_ms: number }>(
      "POST",
      "/api/v1/llm-config/test",
      { body: {}, timeoutMs: 30_000 },
    );
    assert.equal(r.status, 200, `connection test: HTTP ${r.status} ${r.text}`);
    if (!r.json.success) {
      throw new Error(
        `the real ${live.provider} API refused or could not be reached (model ${live.model}): ` +
          `${r.json.message}`,
      );
    }
    figures.push({ step: "connection test", ms: r.json.response_time_ms, calls: 1, chars: 40 });
    // The key must have gone to the provider, not to the mock LLM.
    const mocked = await llmCalls(await keyFingerprint(live.key));
    assert.equal(
      mocked.length,
      0,
      `the stack sent the live key to the mock LLM (${target.urls.llm}): run the live tests ` +
        "through `deno task test:llm` (it boots a live stack when the key is set) or point " +
        "ZAPA_STACK=external at a deployment that uses the real provider",
    );
  });

  // Without a working connection every chat would only wait for Zapa's retries: stop here.
  if (!connected) return;

  const ask = async (step: string, text: string) => {
    const started = performance.now();
    const result = await chat(user, text, REPLY_TIMEOUT_MS);
    const ms = performance.now() - started;
    assert.ok(result.text.trim().length > 0, `${step}: an empty reply`);
    assert.notEqual(result.text, UNAVAILABLE, `${step}: Zapa answered "unavailable"`);
    assert.notEqual(result.text, REJECTED, `${step}: the provider rejected the key`);
    const stored = await storedReply(user, result.messageId);
    assert.equal(stored.metadata.provider, live.provider, `${step}: answered by`);
    const rounds = Number(stored.metadata.tool_rounds ?? 0);
    figures.push({ step, ms, calls: 1 + rounds, chars: text.length + result.text.length });
    console.log(`  ${step}: ${Math.round(ms)} ms → ${JSON.stringify(result.text.slice(0, 160))}`);
    return { ...result, rounds };
  };

  await t.step("a plain reply", async () => {
    await ask("plain reply", "Reply with just the word pong.");
  });

  await t.step("the Alice scenario keeps the context", async () => {
    await ask("alice 1", "My name is Alice.");
    const second = await ask("alice 2", "What's my name?");
    assert.match(second.text, /Alice/i);
    const third = await ask("alice 3", "Tell me a short joke about my name.");
    assert.match(third.text, /Alice/i);
  });

  await t.step("one tool round searches the history", async () => {
    await ask("tool setup", "Please note: the pineapple code is 4711.");
    const found = await ask(
      "tool round",
      "Use your search tool to search my messages for pineapple, then tell me the code.",
    );
    assert.ok(found.rounds >= 1, `a tool round was made (tool_rounds ${found.rounds})`);
    assert.match(found.text, /4711/);
  });

  const calls = figures.reduce((n, f) => n + f.calls, 0);
  const tokens = figures.reduce(
    (n, f) => n + f.calls * OVERHEAD_TOKENS_PER_CALL + Math.ceil(f.chars / 4),
    0,
  );
  console.log(
    `live ${live.provider} (${live.model}): ${calls} calls, ≈${tokens} tokens (estimated: Zapa ` +
      `does not record provider usage); latency ${
        figures.map((f) => `${f.step} ${Math.round(f.ms)} ms`).join(", ")
      }`,
  );
}
