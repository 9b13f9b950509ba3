/**
 * OpenAI adapter over the official `openai` SDK (Chat Completions, non-streaming, SDK retries
 * off). Tools go out as `tools:[{type:"function", function}]`; calls come back as `tool_calls`
 * and results return as `tool` role messages carrying `tool_call_id`.
 */
import OpenAI from "openai";
import { LlmError, toLlmError } from "./errors.ts";
import {
  type Adapter,
  type CallOptions,
  type ChatRequest,
  type ChatResult,
  normaliseBaseUrl,
  parseArgs,
  type ToolCall,
  withDeadline,
} from "./types.ts";
import { ClientCache } from "./client_cache.ts";

/** Clients per key, base URL and timeout (see client_cache.ts). */
const clients = new ClientCache<OpenAI>({ max: 2_000, ttlMs: 5 * 60_000 });

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toMessages(request: ChatRequest): Message[] {
  const out: Message[] = [];
  if (request.system) out.push({ role: "system", content: request.system });
  for (const m of request.messages) {
    if (m.role === "user") out.push({ role: "user", content: m.text });
    else if (m.role === "tool") {
      out.push({ role: "tool", tool_call_id: m.callId, content: m.content });
    } else if (m.toolCalls?.length) {
      out.push({
        role: "assistant",
        content: m.text || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: { name: c.name, arguments: JSON.stringify(c.args) },
        })),
      });
    } else out.push({ role: "assistant", content: m.text });
  }
  return out;
}

function toResult(completion: unknown): ChatResult {
  const message = (completion as OpenAI.Chat.Completions.ChatCompletion | null)?.choices?.[0]
    ?.message;
  if (!message || typeof message !== "object") {
    throw new LlmError("malformed", "malformed response: no choices[0].message");
  }
  const toolCalls: ToolCall[] = [];
  for (const [i, call] of (message.tool_calls ?? []).entries()) {
    if (call.type !== "function") continue;
    toolCalls.push({
      id: call.id || `call_${i}`,
      name: call.function.name,
      args: parseArgs(call.function.arguments),
    });
  }
  return { text: typeof message.content === "string" ? message.content : "", toolCalls };
}

export const openaiAdapter: Adapter = {
  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const client = clients.get(
      [options.apiKey, options.baseUrl, options.timeoutMs],
      () =>
        new OpenAI({
          apiKey: options.apiKey,
          baseURL: normaliseBaseUrl("openai", options.baseUrl) ?? "https://api.openai.com/v1",
          maxRetries: 0,
          timeout: options.timeoutMs,
        }),
    );
    const tools = request.tools?.length ? request.tools : undefined;
    const outcome = await withDeadline(
      options.timeoutMs,
      (signal) =>
        client.chat.completions.create(
          {
            model: request.model,
            messages: toMessages(request),
            max_tokens: request.maxTokens,
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(tools
              ? {
                tools: tools.map((t) => ({
                  type: "function" as const,
                  function: {
                    name: t.name,
                    description: t.description,
                    parameters: { ...t.parameters },
                  },
                })),
                tool_choice: request.toolChoice ?? "auto",
              }
              : {}),
          },
          { signal },
        ),
    );
    if ("error" in outcome) throw toLlmError(outcome.error, { timedOut: outcome.timedOut });
    return toResult(outcome.value);
  },
};
