/**
 * Anthropic Messages wire format (`POST /v1/messages`): validation (required `max_tokens`,
 * `tool_use`/`tool_result` pairing), `message` JSON, the documented SSE event sequence, and
 * the `{type:"error", error:{type,message}}` envelope.
 */
import type { Turn } from "./brain.ts";
import {
  asRecord,
  BadRequest,
  bearer,
  deltas,
  newId,
  type NormalisedRequest,
  type Provider,
  type ReplyContext,
  replyText,
  tokens,
  type ToolChoice,
} from "./provider.ts";

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content) {
    const b = asRecord(block);
    if (b?.type === "text" && typeof b.text === "string") text += (text ? "\n" : "") + b.text;
  }
  return text;
}

function systemText(system: unknown): string | null {
  if (system === undefined || system === null) return null;
  if (typeof system === "string") return system;
  if (Array.isArray(system)) return blockText(system);
  throw new BadRequest("system: Input should be a valid string or a list of text blocks");
}

/** Walks messages, checking that every tool_result answers a tool_use of the message before. */
function normalise(body: unknown, hints: { stream: boolean }): NormalisedRequest {
  const b = asRecord(body);
  if (!b) throw new BadRequest("Request body must be a JSON object");
  if (typeof b.model !== "string" || b.model === "") throw new BadRequest("model: Field required");
  if (b.max_tokens === undefined || b.max_tokens === null) {
    throw new BadRequest("max_tokens: Field required");
  }
  if (typeof b.max_tokens !== "number" || !Number.isInteger(b.max_tokens) || b.max_tokens < 1) {
    throw new BadRequest("max_tokens: Input should be a valid integer greater than or equal to 1");
  }
  if (!Array.isArray(b.messages)) throw new BadRequest("messages: Field required");
  if (b.messages.length === 0) throw new BadRequest("messages: at least one message is required");
  const system = systemText(b.system);
  let chars = system?.length ?? 0;
  const turns: Turn[] = [];
  let toolResults: unknown[] = [];
  let previousToolUses = new Set<string>();
  b.messages.forEach((raw, i) => {
    const m = asRecord(raw);
    if (!m) throw new BadRequest(`messages.${i}: Input should be a valid dictionary`);
    if (m.role === "system") {
      throw new BadRequest(
        'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
      );
    }
    if (m.role !== "user" && m.role !== "assistant") {
      throw new BadRequest(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (typeof m.content !== "string" && !Array.isArray(m.content)) {
      throw new BadRequest(`messages.${i}.content: Input should be a valid list`);
    }
    const blocks: Record<string, unknown>[] = [];
    if (Array.isArray(m.content)) {
      m.content.forEach((raw, j) => {
        const block = asRecord(raw);
        if (!block || typeof block.type !== "string") {
          throw new BadRequest(`messages.${i}.content.${j}: Input should be a valid dictionary`);
        }
        blocks.push(block);
      });
    }
    const uses = new Set<string>();
    const answered = new Set<string>();
    for (const [j, block] of blocks.entries()) {
      if (block.type === "tool_use") {
        if (
          m.role !== "assistant" || typeof block.id !== "string" || typeof block.name !== "string"
        ) {
          throw new BadRequest(`messages.${i}.content.${j}: invalid tool_use block`);
        }
        uses.add(block.id);
        chars += JSON.stringify(block.input ?? {}).length;
      } else if (block.type === "tool_result") {
        const id = block.tool_use_id;
        if (m.role !== "user" || typeof id !== "string" || !previousToolUses.has(id)) {
          throw new BadRequest(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${
              String(id)
            }. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
        answered.add(id);
      }
    }
    const missing = [...previousToolUses].filter((id) => !answered.has(id));
    if (missing.length > 0) {
      throw new BadRequest(
        `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${
          missing.join(", ")
        }. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
    previousToolUses = uses;
    const text = blockText(m.content);
    chars += text.length;
    if (answered.size > 0) {
      for (const block of blocks) {
        if (block.type !== "tool_result") continue;
        const result = typeof block.content === "string" ? block.content : blockText(block.content);
        toolResults.push(result);
        chars += result.length;
      }
    } else if (m.role === "user") {
      turns.push({ role: "user", text });
      toolResults = [];
    } else {
      turns.push({ role: "assistant", text });
    }
  });
  const tools: string[] = [];
  if (b.tools !== undefined && b.tools !== null) {
    if (!Array.isArray(b.tools)) throw new BadRequest("tools: Input should be a valid list");
    b.tools.forEach((tool, i) => {
      const t = asRecord(tool);
      if (!t || typeof t.name !== "string") throw new BadRequest(`tools.${i}.name: Field required`);
      tools.push(t.name);
    });
  }
  return {
    model: b.model,
    stream: hints.stream || b.stream === true,
    includeUsage: false,
    system,
    turns,
    tools,
    toolChoice: anthropicToolChoice(b.tool_choice),
    toolResults,
    messageCount: b.messages.length,
    inputChars: chars,
  };
}

function content(ctx: ReplyContext) {
  return ctx.reply.kind === "tool_call"
    ? { type: "tool_use", id: newId("toolu_mock"), name: ctx.reply.name, input: ctx.reply.args }
    : { type: "text", text: ctx.reply.text };
}

function stopReason(ctx: ReplyContext): string {
  return ctx.reply.kind === "tool_call" ? "tool_use" : "end_turn";
}

function json(ctx: ReplyContext): unknown {
  return {
    id: ctx.id,
    type: "message",
    role: "assistant",
    model: ctx.request.model,
    content: [content(ctx)],
    stop_reason: stopReason(ctx),
    stop_sequence: null,
    usage: {
      input_tokens: tokens(ctx.request.inputChars),
      output_tokens: tokens(replyText(ctx.reply).length),
    },
  };
}

function event(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function events(ctx: ReplyContext): string[] {
  const block = content(ctx);
  const out = [
    event("message_start", {
      type: "message_start",
      message: {
        id: ctx.id,
        type: "message",
        role: "assistant",
        model: ctx.request.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: tokens(ctx.request.inputChars), output_tokens: 1 },
      },
    }),
  ];
  if (block.type === "tool_use") {
    out.push(event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { ...block, input: {} },
    }));
    out.push(event("ping", { type: "ping" }));
    for (const piece of deltas(JSON.stringify(block.input))) {
      out.push(event("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: piece },
      }));
    }
  } else {
    out.push(event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    }));
    out.push(event("ping", { type: "ping" }));
    for (const piece of deltas(block.text ?? "")) {
      out.push(event("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: piece },
      }));
    }
  }
  out.push(event("content_block_stop", { type: "content_block_stop", index: 0 }));
  out.push(event("message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason(ctx), stop_sequence: null },
    usage: { output_tokens: tokens(replyText(ctx.reply).length) },
  }));
  out.push(event("message_stop", { type: "message_stop" }));
  return out;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

function errorBody(status: number, message: string): unknown {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return { type: "error", error: { type, message } };
}

export const anthropic: Provider = {
  name: "anthropic",
  apiKey: (req) => req.headers.get("x-api-key") || bearer(req),
  normalise,
  errorBody,
  json,
  events,
  badEvent:
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{\n\n',
};

/** `tool_choice`: {type: "auto" | "any" | "tool" | "none"}. */
function anthropicToolChoice(value: unknown): ToolChoice | null {
  const type = asRecord(value)?.type;
  if (type === "auto" || type === "none") return type;
  return type === "any" || type === "tool" ? "required" : null;
}
