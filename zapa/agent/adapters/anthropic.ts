/**
 * Anthropic adapter over the official `@anthropic-ai/sdk` (Messages API, non-streaming, SDK
 * retries off; the base URL has no `/v1`). The system prompt is the top-level `system`; tools
 * go out with `input_schema`; calls come back as `tool_use` blocks and results return as
 * `tool_result` blocks in the next user message. Consecutive turns of one role are merged into
 * one message (the Messages API wants alternating roles, starting with the user).
 */
import Anthropic from "@anthropic-ai/sdk";
import { LlmError, toLlmError } from "./errors.ts";
import {
  type Adapter,
  type CallOptions,
  type ChatRequest,
  type ChatResult,
  normaliseBaseUrl,
  type ToolCall,
  withDeadline,
} from "./types.ts";
import { ClientCache } from "./client_cache.ts";

/** Clients per key, base URL and timeout (see client_cache.ts). */
const clients = new ClientCache<Anthropic>({ max: 2_000, ttlMs: 5 * 60_000 });

type Block = Anthropic.ContentBlockParam;
type Message = { role: "user" | "assistant"; content: Block[] };

export function toAnthropicMessages(request: ChatRequest): Message[] {
  const out: Message[] = [];
  const push = (role: Message["role"], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    // Tool results must stay alone at the start of their message, right after the tool_use.
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of request.messages) {
    if (m.role === "user") push("user", m.text ? [{ type: "text", text: m.text }] : []);
    else if (m.role === "tool") {
      push("user", [{ type: "tool_result", tool_use_id: m.callId, content: m.content }]);
    } else {
      const blocks: Block[] = m.text ? [{ type: "text", text: m.text }] : [];
      for (const c of m.toolCalls ?? []) {
        blocks.push({ type: "tool_use", id: c.id, name: c.name, input: c.args });
      }
      push("assistant", blocks);
    }
  }
  while (out[0]?.role === "assistant") out.shift();
  return out;
}

function toResult(message: unknown): ChatResult {
  const content = (message as Anthropic.Message | null)?.content;
  if (!Array.isArray(content)) throw new LlmError("malformed", "malformed response: no content");
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const [i, block] of content.entries()) {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") {
      const input = block.input;
      toolCalls.push({
        id: block.id || `toolu_${i}`,
        name: block.name,
        args: input && typeof input === "object" && !Array.isArray(input)
          ? input as Record<string, unknown>
          : {},
      });
    }
  }
  return { text, toolCalls };
}

export const anthropicAdapter: Adapter = {
  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const client = clients.get(
      [options.apiKey, options.baseUrl, options.timeoutMs],
      () =>
        new Anthropic({
          apiKey: options.apiKey,
          baseURL: normaliseBaseUrl("anthropic", options.baseUrl) ?? "https://api.anthropic.com",
          maxRetries: 0,
          timeout: options.timeoutMs,
        }),
    );
    const tools = request.tools?.length ? request.tools : undefined;
    const outcome = await withDeadline(options.timeoutMs, (signal) =>
      client.messages.create(
        {
          model: request.model,
          max_tokens: request.maxTokens,
          messages: toAnthropicMessages(request),
          ...(request.system ? { system: request.system } : {}),
          // Zapa allows 0–2 (the OpenAI range); Anthropic accepts at most 1.
          ...(request.temperature !== undefined
            ? { temperature: Math.min(1, request.temperature) }
            : {}),
          ...(tools
            ? {
              tools: tools.map((t) => ({
                name: t.name,
                description: t.description,
                input_schema: { ...t.parameters },
              })),
              tool_choice: {
                type: request.toolChoice === "none" ? "none" as const : "auto" as const,
              },
            }
            : {}),
        },
        { signal },
      ));
    if ("error" in outcome) throw toLlmError(outcome.error, { timedOut: outcome.timedOut });
    return toResult(outcome.value);
  },
};
