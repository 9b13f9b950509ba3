/**
 * `POST /llm-config/test` (R-LLMCFG-4): one real, minimal call through the same adapters the
 * agent uses — `max_tokens` 16, no tools, no retries, a 15 s timeout. A provider failure is a
 * `success:false` answer with a clear message, never a throw.
 */
import type { Provider } from "../config.ts";
import type { Deps } from "../deps.ts";
import { errorText, log } from "../log.ts";
import { type Adapter, ADAPTERS, LlmError } from "./adapters/mod.ts";
import { callSettings, type ModelSettings } from "./llm_configs.ts";
import { resolveModel } from "./providers.ts";

export const TEST_TIMEOUT_MS = 15_000;
export const TEST_MAX_TOKENS = 16;

export interface TestResult {
  success: boolean;
  message: string;
  response_time_ms: number;
  provider: Provider;
  model: string;
}

function failureMessage(error: LlmError): string {
  const status = error.status ? ` (HTTP ${error.status})` : "";
  switch (error.kind) {
    case "rejected_key":
      return `The provider rejected the API key${status}. Check the key and try again.`;
    case "rate_limited":
      return `The provider is rate limiting requests${status}. Try again in a moment.`;
    case "unavailable":
      return `The provider is unavailable right now${status}. Try again in a few minutes.`;
    case "timeout":
      return `The provider did not answer within ${TEST_TIMEOUT_MS / 1000} seconds.`;
    case "network":
      return "Could not reach the provider. Check the network or the configured base URL.";
    case "malformed":
      return "The provider sent a response that could not be read.";
    case "bad_request":
      return `The provider refused the request${status}: ${
        error.message.replace(/^provider answered \d+: /, "").slice(0, 200)
      }`;
  }
}

export async function testLlmConfig(
  deps: Deps,
  input: { provider: Provider; apiKey: string; modelSettings?: ModelSettings | null },
  options: { adapters?: Readonly<Record<Provider, Adapter>>; timeoutMs?: number } = {},
): Promise<TestResult> {
  const model = resolveModel(input.provider, input.modelSettings?.model);
  const adapter = (options.adapters ?? ADAPTERS)[input.provider];
  const started = performance.now();
  const done = (success: boolean, message: string): TestResult => ({
    success,
    message,
    response_time_ms: Math.round(performance.now() - started),
    provider: input.provider,
    model,
  });
  try {
    const result = await adapter.chat({
      model,
      system: "This is a connection test. Reply with the single word OK.",
      messages: [{ role: "user", text: "Connection test: please reply OK." }],
      maxTokens: TEST_MAX_TOKENS,
      temperature: callSettings(input.modelSettings).temperature,
    }, {
      apiKey: input.apiKey,
      baseUrl: deps.config.llm.baseUrls[input.provider],
      timeoutMs: options.timeoutMs ?? TEST_TIMEOUT_MS,
    });
    const sample = result.text.trim().replace(/\s+/g, " ").slice(0, 80);
    return done(
      true,
      sample ? `Connection successful. ${model} replied: ${sample}` : `Connection successful.`,
    );
  } catch (error) {
    if (error instanceof LlmError) return done(false, failureMessage(error));
    log.error("llm test call failed unexpectedly", {
      provider: input.provider,
      error: errorText(error),
    });
    return done(false, "The test call failed unexpectedly.");
  }
}
