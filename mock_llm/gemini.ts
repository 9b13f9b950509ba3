/**
 * Gemini API wire format (`POST /{v1,v1beta}/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`): validation, `candidates`/`usageMetadata` JSON, `data:`
 * SSE chunks (no `[DONE]`), and the `{error:{code,message,status}}` envelope.
 */
import type { Turn } from "./brain.ts";
import {
  asRecord,
  BadRequest,
  deltas,
  newId,
  type NormalisedRequest,
  type Provider,
  type ReplyContext,
  replyText,
  tokens,
  type ToolChoice,
} from "./provider.ts";

function partsOf(content: Record<string, unknown>, where: string): Record<string, unknown>[] {
  if (!Array.isArray(content.parts) || content.parts.length === 0) {
    throw new BadRequest(
      `* GenerateContentRequest.${where}.parts: contents.parts must not be empty.`,
    );
  }
  return content.parts.map((raw, j) => {
    const part = asRecord(raw);
    if (!part) {
      throw new BadRequest(`* GenerateContentRequest.${where}.parts[${j}]: must be an object.`);
    }
    return part;
  });
}

function textOf(parts: Record<string, unknown>[]): string {
  let text = "";
  for (const part of parts) {
    if (typeof part.text === "string") text += (text ? "\n" : "") + part.text;
  }
  return text;
}

function systemText(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "string") return raw;
  const content = asRecord(raw);
  if (!content) throw new BadRequest("* GenerateContentRequest.system_instruction: invalid value.");
  return textOf(partsOf(content, "system_instruction"));
}

function normalise(body: unknown, hints: { model?: string; stream: boolean }): NormalisedRequest {
  const b = asRecord(body);
  if (!b) throw new BadRequest("Invalid JSON payload received. Expected an object.");
  if (!Array.isArray(b.contents) || b.contents.length === 0) {
    throw new BadRequest("* GenerateContentRequest.contents: contents is not specified");
  }
  const system = systemText(b.systemInstruction ?? b.system_instruction);
  let chars = system?.length ?? 0;
  const turns: Turn[] = [];
  let toolResults: unknown[] = [];
  let previousCalls: { names: Set<string>; ids: Set<string> } | null = null;
  b.contents.forEach((raw, i) => {
    const content = asRecord(raw);
    const where = `contents[${i}]`;
    if (!content) throw new BadRequest(`* GenerateContentRequest.${where}: must be an object.`);
    const role = content.role ?? "user";
    if (role !== "user" && role !== "model" && role !== "function") {
      throw new BadRequest("Please use a valid role: user, model.");
    }
    const parts = partsOf(content, where);
    const calls = { names: new Set<string>(), ids: new Set<string>() };
    let responses = 0;
    for (const part of parts) {
      const call = asRecord(part.functionCall ?? part.function_call);
      const response = asRecord(part.functionResponse ?? part.function_response);
      if (call) {
        if (role !== "model" || typeof call.name !== "string") {
          throw new BadRequest(`* GenerateContentRequest.${where}: invalid functionCall part.`);
        }
        calls.names.add(call.name);
        if (typeof call.id === "string") calls.ids.add(call.id);
        chars += JSON.stringify(call.args ?? {}).length;
      } else if (response) {
        const matches = previousCalls !== null && typeof response.name === "string" &&
          (typeof response.id === "string" && previousCalls.ids.size > 0
            ? previousCalls.ids.has(response.id)
            : previousCalls.names.has(response.name));
        if (role === "model" || !matches) {
          throw new BadRequest(
            "Please ensure that function response turn comes immediately after a function call turn.",
          );
        }
        responses++;
        const result = response.response ?? {};
        toolResults.push(result);
        chars += JSON.stringify(result).length;
      }
    }
    const text = textOf(parts);
    chars += text.length;
    if (responses > 0) {
      // A function-response turn carries results, not a new user message.
    } else if (role === "model") {
      turns.push({ role: "assistant", text });
    } else {
      turns.push({ role: "user", text });
      toolResults = [];
    }
    previousCalls = calls.names.size > 0 ? calls : null;
  });
  const tools: string[] = [];
  if (b.tools !== undefined && b.tools !== null) {
    if (!Array.isArray(b.tools)) {
      throw new BadRequest("* GenerateContentRequest.tools: must be a list.");
    }
    for (const raw of b.tools) {
      const tool = asRecord(raw);
      const declarations = tool?.functionDeclarations ?? tool?.function_declarations;
      if (!Array.isArray(declarations)) continue;
      for (const d of declarations) {
        const name = asRecord(d)?.name;
        if (typeof name !== "string") {
          throw new BadRequest(
            "* GenerateContentRequest.tools[0].function_declarations: name required.",
          );
        }
        tools.push(name);
      }
    }
  }
  return {
    model: hints.model ?? "",
    stream: hints.stream,
    includeUsage: false,
    system,
    turns,
    tools,
    toolChoice: geminiToolChoice(b.toolConfig ?? b.tool_config),
    toolResults,
    messageCount: b.contents.length,
    inputChars: chars,
  };
}

function usage(ctx: ReplyContext) {
  const prompt = tokens(ctx.request.inputChars);
  const candidates = tokens(replyText(ctx.reply).length);
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates,
  };
}

function chunk(ctx: ReplyContext, parts: unknown[], finished: boolean): unknown {
  return {
    candidates: [{
      content: { parts, role: "model" },
      ...(finished ? { finishReason: "STOP" } : {}),
      index: 0,
    }],
    usageMetadata: usage(ctx),
    modelVersion: ctx.request.model,
    responseId: ctx.id,
  };
}

function callPart(ctx: ReplyContext): unknown {
  return ctx.reply.kind === "tool_call"
    ? { functionCall: { id: newId("fc_mock"), name: ctx.reply.name, args: ctx.reply.args } }
    : { text: ctx.reply.text };
}

function json(ctx: ReplyContext): unknown {
  return chunk(ctx, [callPart(ctx)], true);
}

/** The stream's chunks as objects; SSE and the JSON-array form of streamGenerateContent share them. */
export function streamChunks(ctx: ReplyContext): unknown[] {
  if (ctx.reply.kind === "tool_call") return [chunk(ctx, [callPart(ctx)], true)];
  const pieces = deltas(ctx.reply.text);
  return pieces.map((text, i) => chunk(ctx, [{ text }], i === pieces.length - 1));
}

function events(ctx: ReplyContext): string[] {
  return streamChunks(ctx).map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`);
}

const STATUSES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function errorBody(status: number, message: string): unknown {
  const name = STATUSES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION");
  return { error: { code: status, message, status: name } };
}

export const gemini: Provider = {
  name: "google",
  apiKey: (req, query) => req.headers.get("x-goog-api-key") || query("key") || null,
  normalise,
  errorBody,
  json,
  events,
  badEvent: 'data: {"candidates": [{"content": {"parts": [{"text": "oops\r\n\r\n',
};

/** `toolConfig.functionCallingConfig.mode`: AUTO | ANY | NONE (VALIDATED counts as auto). */
function geminiToolChoice(value: unknown): ToolChoice | null {
  const config = asRecord(value);
  const calling = asRecord(config?.functionCallingConfig ?? config?.function_calling_config);
  const mode = typeof calling?.mode === "string" ? calling.mode.toUpperCase() : null;
  if (mode === "NONE") return "none";
  if (mode === "ANY") return "required";
  return mode === "AUTO" || mode === "VALIDATED" ? "auto" : null;
}
