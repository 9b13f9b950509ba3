/**
 * OpenAI Chat Completions wire format (`POST /v1/chat/completions`): request validation and
 * normalisation, `chat.completion` JSON, `chat.completion.chunk` SSE ending in `[DONE]`, and
 * the `{error:{message,type,param,code}}` envelope.
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

const ROLES = "'system', 'assistant', 'user', 'function', 'tool', and 'developer'";

function contentText(content: unknown, where: string, allowNull: boolean): string {
  if (typeof content === "string") return content;
  if ((content === null || content === undefined) && allowNull) return "";
  if (Array.isArray(content)) {
    let text = "";
    for (const part of content) {
      const p = asRecord(part);
      if (!p || typeof p.type !== "string") {
        throw new BadRequest(`Invalid type for '${where}': expected an array of content parts.`);
      }
      if (p.type === "text" && typeof p.text === "string") text += (text ? "\n" : "") + p.text;
    }
    return text;
  }
  throw new BadRequest(
    `Invalid type for '${where}': expected one of a string or array of objects, but got ${
      content === null ? "null" : typeof content
    } instead.`,
    where,
  );
}

function normalise(body: unknown, hints: { stream: boolean }): NormalisedRequest {
  const b = asRecord(body);
  if (!b) throw new BadRequest("We could not parse the JSON body of your request.");
  if (typeof b.model !== "string" || b.model === "") {
    throw new BadRequest("you must provide a model parameter", "model");
  }
  if (!Array.isArray(b.messages)) {
    throw new BadRequest("Missing required parameter: 'messages'.", "messages");
  }
  if (b.messages.length === 0) {
    throw new BadRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "messages",
    );
  }
  const turns: Turn[] = [];
  const systems: string[] = [];
  let toolResults: unknown[] = [];
  let chars = 0;
  const pending = new Set<string>();
  b.messages.forEach((raw, i) => {
    const m = asRecord(raw);
    const where = `messages[${i}]`;
    if (!m) throw new BadRequest(`Invalid type for '${where}': expected an object.`, where);
    const role = m.role;
    if (role !== "tool" && pending.size > 0) {
      throw new BadRequest(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
          `'tool_call_id'. The following tool_call_ids did not have response messages: ${
            [...pending].join(", ")
          }`,
        `messages.[${i}].role`,
      );
    }
    switch (role) {
      case "system":
      case "developer": {
        const text = contentText(m.content, `${where}.content`, false);
        systems.push(text);
        chars += text.length;
        break;
      }
      case "user": {
        const text = contentText(m.content, `${where}.content`, false);
        turns.push({ role: "user", text });
        toolResults = [];
        chars += text.length;
        break;
      }
      case "assistant": {
        const text = contentText(m.content, `${where}.content`, true);
        turns.push({ role: "assistant", text });
        chars += text.length;
        if (m.tool_calls !== undefined && m.tool_calls !== null) {
          if (!Array.isArray(m.tool_calls)) {
            throw new BadRequest(`Invalid type for '${where}.tool_calls': expected an array.`);
          }
          m.tool_calls.forEach((call, j) => {
            const c = asRecord(call);
            const fn = asRecord(c?.function);
            if (!c || typeof c.id !== "string" || !fn || typeof fn.name !== "string") {
              throw new BadRequest(
                `Missing required parameter: '${where}.tool_calls[${j}]'.`,
                `${where}.tool_calls[${j}]`,
              );
            }
            pending.add(c.id);
            chars += typeof fn.arguments === "string" ? fn.arguments.length : 0;
          });
        }
        break;
      }
      case "tool": {
        const id = m.tool_call_id;
        if (typeof id !== "string" || !pending.has(id)) {
          throw new BadRequest(
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
            `messages.[${i}].role`,
          );
        }
        pending.delete(id);
        const text = contentText(m.content, `${where}.content`, false);
        toolResults.push(text);
        chars += text.length;
        break;
      }
      default:
        throw new BadRequest(
          `Invalid value: '${String(role)}'. Supported values are: ${ROLES}.`,
          `${where}.role`,
        );
    }
  });
  const tools: string[] = [];
  if (b.tools !== undefined && b.tools !== null) {
    if (!Array.isArray(b.tools)) throw new BadRequest("Invalid type for 'tools'.", "tools");
    b.tools.forEach((tool, i) => {
      const fn = asRecord(asRecord(tool)?.function);
      if (!fn || typeof fn.name !== "string") {
        throw new BadRequest(`Missing required parameter: 'tools[${i}].function'.`, `tools[${i}]`);
      }
      tools.push(fn.name);
    });
  }
  const system = systems.length > 0 ? systems.join("\n") : null;
  return {
    model: b.model,
    stream: hints.stream || b.stream === true,
    includeUsage: asRecord(b.stream_options)?.include_usage === true,
    system,
    turns,
    tools,
    toolChoice: openaiToolChoice(b.tool_choice),
    toolResults,
    messageCount: b.messages.length,
    inputChars: chars,
  };
}

function usage(ctx: ReplyContext) {
  const prompt = tokens(ctx.request.inputChars);
  const completion = tokens(replyText(ctx.reply).length);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

function toolCall(ctx: ReplyContext) {
  return {
    id: newId("call_mock"),
    type: "function",
    function: {
      name: "search_messages",
      arguments: JSON.stringify(ctx.reply.kind === "tool_call" ? ctx.reply.args : {}),
    },
  };
}

function json(ctx: ReplyContext): unknown {
  const isTool = ctx.reply.kind === "tool_call";
  return {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.request.model,
    choices: [{
      index: 0,
      message: isTool
        ? { role: "assistant", content: null, refusal: null, tool_calls: [toolCall(ctx)] }
        : { role: "assistant", content: replyText(ctx.reply), refusal: null },
      logprobs: null,
      finish_reason: isTool ? "tool_calls" : "stop",
    }],
    usage: usage(ctx),
    system_fingerprint: "fp_mock",
  };
}

function events(ctx: ReplyContext): string[] {
  const base = {
    id: ctx.id,
    object: "chat.completion.chunk",
    created: ctx.created,
    model: ctx.request.model,
    system_fingerprint: "fp_mock",
  };
  const withUsage = ctx.request.includeUsage;
  const chunk = (delta: unknown, finish: string | null) =>
    `data: ${
      JSON.stringify({
        ...base,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...(withUsage ? { usage: null } : {}),
      })
    }\n\n`;
  const out: string[] = [];
  if (ctx.reply.kind === "tool_call") {
    const call = toolCall(ctx);
    out.push(chunk({
      role: "assistant",
      content: null,
      tool_calls: [{
        index: 0,
        id: call.id,
        type: "function",
        function: { name: call.function.name, arguments: "" },
      }],
    }, null));
    for (const piece of deltas(call.function.arguments)) {
      out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    }
    out.push(chunk({}, "tool_calls"));
  } else {
    out.push(chunk({ role: "assistant", content: "", refusal: null }, null));
    for (const piece of deltas(ctx.reply.text)) out.push(chunk({ content: piece }, null));
    out.push(chunk({}, "stop"));
  }
  if (withUsage) {
    out.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usage(ctx) })}\n\n`);
  }
  out.push("data: [DONE]\n\n");
  return out;
}

const ERRORS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory" },
  404: { type: "invalid_request_error", code: "model_not_found" },
  429: { type: "requests", code: "rate_limit_exceeded" },
};

function errorBody(status: number, message: string, param: string | null = null): unknown {
  const known = ERRORS[status] ??
    { type: status >= 500 ? "server_error" : "invalid_request_error", code: null };
  return { error: { message, type: known.type, param, code: known.code } };
}

export const openai: Provider = {
  name: "openai",
  apiKey: (req) => bearer(req),
  normalise,
  errorBody,
  json,
  events,
  badEvent: 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"oops\n\n',
};

/** `tool_choice`: "none" | "auto" | "required" | {type:"function", function:{name}}. */
function openaiToolChoice(value: unknown): ToolChoice | null {
  if (value === "none" || value === "auto" || value === "required") return value;
  return asRecord(value)?.type === "function" ? "required" : null;
}
