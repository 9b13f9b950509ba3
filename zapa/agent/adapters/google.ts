/**
 * Gemini adapter over the official `@google/genai` SDK (`generateContent`, non-streaming, no
 * SDK retries; the SDK picks the API version path). The system prompt is `systemInstruction`;
 * tools go out as `functionDeclarations`; calls come back as `functionCall` parts and results
 * return as `functionResponse` parts. The SDK's `ApiError` carries no headers, so a wrapping
 * `fetch` keeps the last response's headers to honour `Retry-After`.
 */
import { type Content, FunctionCallingConfigMode, GoogleGenAI, type Part } from "@google/genai";
import { LlmError, toLlmError } from "./errors.ts";
import {
  type Adapter,
  type CallOptions,
  type ChatRequest,
  type ChatResult,
  type JsonSchemaObject,
  normaliseBaseUrl,
  type ToolCall,
  withDeadline,
} from "./types.ts";

/** Prefix of ids we make up for calls that came without one (never sent back). */
const LOCAL_ID = "zapa-local-";

export function toGeminiContents(request: ChatRequest): Content[] {
  const out: Content[] = [];
  const push = (role: "user" | "model", parts: Part[]) => {
    if (parts.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.parts!.push(...parts);
    else out.push({ role, parts });
  };
  for (const m of request.messages) {
    if (m.role === "user") push("user", m.text ? [{ text: m.text }] : []);
    else if (m.role === "tool") {
      push("user", [{
        functionResponse: {
          ...(m.callId.startsWith(LOCAL_ID) ? {} : { id: m.callId }),
          name: m.name,
          response: responseObject(m.content),
        },
      }]);
    } else {
      const parts: Part[] = m.text ? [{ text: m.text }] : [];
      for (const c of m.toolCalls ?? []) {
        parts.push({
          functionCall: {
            ...(c.id.startsWith(LOCAL_ID) ? {} : { id: c.id }),
            name: c.name,
            args: c.args,
          },
        });
      }
      push("model", parts);
    }
  }
  while (out[0]?.role === "model") out.shift();
  return out;
}

/** `functionResponse.response` must be an object: arrays and scalars are wrapped. */
function responseObject(content: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(content);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    return { result: value };
  } catch {
    return { result: content };
  }
}

/** Gemini's schema dialect wants upper-case type names. */
function geminiSchema(schema: JsonSchemaObject) {
  return {
    type: "OBJECT",
    properties: Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        { type: v.type.toUpperCase(), description: v.description },
      ]),
    ),
    ...(schema.required?.length ? { required: schema.required } : {}),
  };
}

function toResult(response: unknown): ChatResult {
  const candidates = (response as { candidates?: unknown } | null)?.candidates;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new LlmError("malformed", "malformed response: no candidates");
  }
  const parts: Part[] = (candidates[0] as { content?: Content })?.content?.parts ?? [];
  let text = "";
  const toolCalls: ToolCall[] = [];
  for (const [i, part] of parts.entries()) {
    if (part.thought) continue;
    if (typeof part.text === "string") text += part.text;
    if (part.functionCall?.name) {
      toolCalls.push({
        id: part.functionCall.id || `${LOCAL_ID}${i}`,
        name: part.functionCall.name,
        args: part.functionCall.args ?? {},
      });
    }
  }
  return { text, toolCalls };
}

export const googleAdapter: Adapter = {
  async chat(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    let lastHeaders: Headers | null = null;
    const capturingFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      lastHeaders = response.headers;
      return response;
    };
    const baseUrl = normaliseBaseUrl("google", options.baseUrl);
    const client = new GoogleGenAI({
      apiKey: options.apiKey,
      httpOptions: {
        ...(baseUrl ? { baseUrl } : {}),
        fetch: capturingFetch,
      },
    });
    const tools = request.tools?.length ? request.tools : undefined;
    const outcome = await withDeadline(
      options.timeoutMs,
      (signal) =>
        client.models.generateContent({
          model: request.model,
          contents: toGeminiContents(request),
          config: {
            abortSignal: signal,
            maxOutputTokens: request.maxTokens,
            ...(request.system ? { systemInstruction: request.system } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(tools
              ? {
                tools: [{
                  functionDeclarations: tools.map((t) => ({
                    name: t.name,
                    description: t.description,
                    parameters: geminiSchema(t.parameters) as never,
                  })),
                }],
                toolConfig: {
                  functionCallingConfig: {
                    mode: request.toolChoice === "none"
                      ? FunctionCallingConfigMode.NONE
                      : FunctionCallingConfigMode.AUTO,
                  },
                },
              }
              : {}),
          },
        }),
    );
    if ("error" in outcome) {
      throw toLlmError(outcome.error, { timedOut: outcome.timedOut, headers: lastHeaders });
    }
    return toResult(outcome.value);
  },
};
