/**
 * The agent: `generateReply` answers one inbound message (R-CONTEXT-*, R-TOOLS-*, R-LLMERR-*). It builds the context,
 * picks the user's primary LLM config (else the system default), runs the tool loop under the
 * retry → fallback → "unavailable" policy, and returns the reply text with metadata. It never
 * throws for LLM failures (those become the fixed R-LLMERR-4 and R-LLMERR-5 replies); database errors propagate so
 * the pipeline retries the message later.
 */
import type { Provider } from "../config.ts";
import { KeyDecryptionError } from "../crypto/api_keys.ts";
import type { Deps } from "../deps.ts";
import { errorText, log } from "../log.ts";
import {
  type Adapter,
  ADAPTERS,
  type ChatMessage,
  type ChatRequest,
  LlmError,
} from "./adapters/mod.ts";
import { buildTurns, loadReplyInput, type ReplyInput, systemPrompt } from "./context.ts";
import { callSettings, primaryAndFallback, type StoredLlmConfig } from "./llm_configs.ts";
import { cachedApiKey } from "./key_cache.ts";
import { withPolicy } from "./policy.ts";
import { resolveModel } from "./providers.ts";
import { runTool, TOOL_SPECS } from "./tools.ts";
import {
  EMPTY_REPLY,
  NOT_CONFIGURED_REPLY,
  REJECTED_KEY_REPLY,
  type ReplyMetadata,
  type ReplyResult,
  UNAVAILABLE_REPLY,
} from "./reply.ts";

export { PROVIDERS, resolveModel } from "./providers.ts";
export { MessageNotFound } from "./context.ts";

export * from "./reply.ts";

/** Tool calls executed per round; a model asking for more gets errors for the rest. */
export const MAX_TOOL_CALLS_PER_ROUND = 8;

/** Test seams; production callers pass nothing. */
export interface ReplyOptions {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  adapters?: Readonly<Record<Provider, Adapter>>;
}

/** One LLM config ready to call. */
interface Target {
  label: "primary" | "fallback" | "system";
  provider: Provider;
  model: string;
  temperature: number;
  maxTokens: number;
  apiKey: () => Promise<string>;
}

function userTarget(
  deps: Deps,
  userId: number,
  label: "primary" | "fallback",
  row: StoredLlmConfig,
): Target {
  return {
    label,
    provider: row.provider,
    model: resolveModel(row.provider, row.model_settings?.model),
    ...callSettings(row.model_settings),
    apiKey: () => cachedApiKey(deps.keyring, userId, row.api_key_encrypted),
  };
}

export async function generateReply(
  deps: Deps,
  input: { userId: number; messageId: number; preloaded?: ReplyInput },
  options: ReplyOptions = {},
): Promise<ReplyResult> {
  const started = performance.now();
  const { config, sql } = deps;
  const adapters = options.adapters ?? ADAPTERS;
  const elapsed = () => Math.round(performance.now() - started);

  // Message, history window and LLM configs in one statement: configs are read fresh for
  // every reply, so a settings change applies from the next message.
  const loaded = input.preloaded?.current.id === input.messageId
    ? input.preloaded
    : await loadReplyInput(sql, {
      userId: input.userId,
      messageId: input.messageId,
      limit: config.agent.contextMessages,
    });
  const { current, history } = loaded;
  const configs = primaryAndFallback(loaded.configs);
  const targets: Target[] = [];
  if (configs.primary) targets.push(userTarget(deps, input.userId, "primary", configs.primary));
  else if (config.llm.default) {
    const d = config.llm.default;
    targets.push({
      label: "system",
      provider: d.provider,
      model: resolveModel(d.provider, d.model),
      ...callSettings(null),
      apiKey: () => Promise.resolve(d.apiKey),
    });
  }
  if (targets.length === 0) {
    return {
      text: NOT_CONFIGURED_REPLY,
      metadata: meta(null, elapsed(), 0, false, "not_configured"),
    };
  }
  if (configs.fallback) targets.push(userTarget(deps, input.userId, "fallback", configs.fallback));

  const system = systemPrompt({
    now: options.now?.() ?? new Date(),
    customInstructions: configs.primary?.model_settings?.custom_instructions ??
      configs.fallback?.model_settings?.custom_instructions,
  });
  const messages: ChatMessage[] = buildTurns(history, current);
  const toolCtx = { sql, userId: input.userId, excludeMessageId: current.id };

  let first = 0; // once the fallback answers, later rounds of this reply stay on it
  let rounds = 0;
  /** The first failure this reply recovered from (retry or fallback), for the log line. */
  let recoveredFrom: string | null = null;
  const logFields = { user_id: input.userId, message_id: input.messageId };

  const callTarget = async (target: Target, request: Omit<ChatRequest, "model" | "maxTokens">) => {
    let apiKey: string;
    try {
      apiKey = await target.apiKey();
    } catch (error) {
      if (!(error instanceof KeyDecryptionError)) throw error;
      log.error("agent: stored API key cannot be decrypted", {
        ...logFields,
        config: target.label,
        error: errorText(error),
      });
      throw new LlmError("rejected_key", "stored API key cannot be decrypted");
    }
    return await adapters[target.provider].chat(
      {
        ...request,
        model: target.model,
        maxTokens: target.maxTokens,
        temperature: target.temperature,
      },
      { apiKey, baseUrl: config.llm.baseUrls[target.provider], timeoutMs: config.llm.timeoutMs },
    );
  };

  while (true) {
    const offerTools = rounds < config.agent.maxToolRounds;
    const usedTools = messages.some((m) => m.role === "tool");
    // The last call goes without tools; providers still need their definitions to read the
    // tool calls already in the conversation, so they are listed with calling disabled.
    const request = {
      system,
      messages,
      ...(offerTools || usedTools
        ? { tools: TOOL_SPECS, toolChoice: offerTools ? "auto" as const : "none" as const }
        : {}),
    };
    const outcome = await withPolicy(targets.slice(first), (t) => callTarget(t, request), {
      retryAttempts: config.llm.retryAttempts,
      retryBaseMs: config.llm.retryBaseMs,
      sleep: options.sleep,
      onFailure: ({ targetIndex, attempt, error }) => {
        const target = targets[first + targetIndex]!;
        deps.metrics.inc("zapa_llm_errors_total", "LLM call failures by provider and kind", {
          provider: target.provider,
          kind: error.kind,
        });
        log.warn("agent: LLM call failed", {
          ...logFields,
          config: target.label,
          provider: target.provider,
          model: target.model,
          attempt,
          kind: error.kind,
          status: error.status,
          error: error.message,
        });
      },
    });
    if (!outcome.ok) {
      const failed = first + outcome.targetIndex;
      const text = outcome.rejected ? REJECTED_KEY_REPLY : UNAVAILABLE_REPLY;
      log.warn("agent: no LLM answer", { ...logFields, error_kind: outcome.errorKind });
      return {
        text,
        metadata: meta(targets[failed]!, elapsed(), rounds, failed > 0, outcome.errorKind),
      };
    }
    recoveredFrom ??= outcome.firstError;
    first += outcome.targetIndex;
    const target = targets[first]!;
    const result = outcome.value;
    if (offerTools && result.toolCalls.length > 0) {
      rounds++;
      messages.push({ role: "assistant", text: result.text, toolCalls: result.toolCalls });
      for (const [i, call] of result.toolCalls.entries()) {
        // Every call needs a result; past the cap the result is an error, not a query.
        const content = i < MAX_TOOL_CALLS_PER_ROUND
          ? await runTool(toolCtx, call.name, call.args)
          : JSON.stringify({ error: "too many tool calls in one round" });
        messages.push({ role: "tool", callId: call.id, name: call.name, content });
      }
      continue;
    }
    const text = result.text.trim() || EMPTY_REPLY;
    // error_kind stays null for a real answer, even after retries: it labels failed replies.
    const metadata = meta(target, elapsed(), rounds, first > 0, null);
    deps.metrics.observe(
      "zapa_llm_reply_seconds",
      "Time to produce an agent reply",
      { provider: target.provider },
      metadata.response_time_ms / 1000,
    );
    log.info("agent: replied", { ...logFields, ...metadata, recovered_from: recoveredFrom });
    return { text, metadata };
  }
}

function meta(
  target: Target | null,
  responseTimeMs: number,
  toolRounds: number,
  fallbackUsed: boolean,
  errorKind: string | null,
): ReplyMetadata {
  return {
    provider: target?.provider ?? null,
    model: target?.model ?? null,
    response_time_ms: responseTimeMs,
    tool_rounds: toolRounds,
    fallback_used: fallbackUsed,
    error_kind: errorKind,
  };
}
