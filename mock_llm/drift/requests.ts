/**
 * The requests the drift check sends, identically, to a real provider and to the mock LLM:
 * a short text answer, a forced tool call, both again as SSE streams, and a rejected key.
 * Raw HTTP on purpose: the point is to see the wire format, not what an SDK makes of it.
 */

export type DriftProvider = "openai" | "anthropic" | "google";

export interface DriftCase {
  name: string;
  stream: boolean;
  /** Use a key the provider must reject (the mock: a `mock-invalid` key). */
  badKey?: boolean;
  build(base: string, key: string, model: string): { url: string; init: RequestInit };
}

export interface ProviderInfo {
  keyVar: string;
  modelVar: string;
  /** Overrides the real endpoint (a proxy, a regional host). */
  baseVar: string;
  realBase: string;
  /** The base URL on the mock LLM's origin. */
  mockBase: (origin: string) => string;
  defaultModel: string;
  cases: DriftCase[];
}

const PROMPT = "Say hello in three words.";
const TOOL_PROMPT = "Search my messages for pineapple.";
const TOOL = {
  name: "search_messages",
  description: "Search the user's WhatsApp message history.",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "Text to look for" },
      limit: { type: "integer", description: "At most this many results" },
    },
    required: ["query"],
  },
};
const MAX_TOKENS = 32;

function post(url: string, headers: Record<string, string>, body: unknown) {
  return {
    url,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  };
}

function openaiBody(model: string, tool: boolean, stream: boolean) {
  return {
    model,
    max_tokens: MAX_TOKENS,
    messages: [{ role: "user", content: tool ? TOOL_PROMPT : PROMPT }],
    ...(tool
      ? {
        tools: [{ type: "function", function: TOOL }],
        tool_choice: { type: "function", function: { name: TOOL.name } },
      }
      : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function anthropicBody(model: string, tool: boolean, stream: boolean) {
  return {
    model,
    max_tokens: MAX_TOKENS,
    messages: [{ role: "user", content: tool ? TOOL_PROMPT : PROMPT }],
    ...(tool
      ? {
        tools: [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.parameters }],
        tool_choice: { type: "tool", name: TOOL.name },
      }
      : {}),
    ...(stream ? { stream: true } : {}),
  };
}

function geminiBody(tool: boolean) {
  return {
    contents: [{ role: "user", parts: [{ text: tool ? TOOL_PROMPT : PROMPT }] }],
    generationConfig: { maxOutputTokens: MAX_TOKENS },
    ...(tool
      ? {
        tools: [{ functionDeclarations: [TOOL] }],
        toolConfig: { functionCallingConfig: { mode: "ANY" } },
      }
      : {}),
  };
}

function cases(
  build: (base: string, key: string, model: string, tool: boolean, stream: boolean) => {
    url: string;
    init: RequestInit;
  },
): DriftCase[] {
  return [
    { name: "text", stream: false, build: (b, k, m) => build(b, k, m, false, false) },
    { name: "tool call", stream: false, build: (b, k, m) => build(b, k, m, true, false) },
    { name: "text stream", stream: true, build: (b, k, m) => build(b, k, m, false, true) },
    { name: "tool call stream", stream: true, build: (b, k, m) => build(b, k, m, true, true) },
    {
      name: "rejected key",
      stream: false,
      badKey: true,
      build: (b, k, m) => build(b, k, m, false, false),
    },
  ];
}

export const PROVIDERS: Record<DriftProvider, ProviderInfo> = {
  openai: {
    keyVar: "TEST_OPENAI_KEY",
    modelVar: "TEST_OPENAI_MODEL",
    baseVar: "TEST_OPENAI_BASE_URL",
    realBase: "https://api.openai.com/v1",
    mockBase: (origin) => `${origin}/v1`,
    defaultModel: "gpt-4o-mini",
    cases: cases((base, key, model, tool, stream) =>
      post(
        `${base}/chat/completions`,
        { authorization: `Bearer ${key}` },
        openaiBody(model, tool, stream),
      )
    ),
  },
  anthropic: {
    keyVar: "TEST_ANTHROPIC_KEY",
    modelVar: "TEST_ANTHROPIC_MODEL",
    baseVar: "TEST_ANTHROPIC_BASE_URL",
    realBase: "https://api.anthropic.com",
    mockBase: (origin) => origin,
    defaultModel: "claude-3-5-haiku-latest",
    cases: cases((base, key, model, tool, stream) =>
      post(
        `${base}/v1/messages`,
        { "x-api-key": key, "anthropic-version": "2023-06-01" },
        anthropicBody(model, tool, stream),
      )
    ),
  },
  google: {
    keyVar: "TEST_GOOGLE_KEY",
    modelVar: "TEST_GOOGLE_MODEL",
    baseVar: "TEST_GOOGLE_BASE_URL",
    realBase: "https://generativelanguage.googleapis.com",
    mockBase: (origin) => origin,
    defaultModel: "gemini-2.0-flash",
    cases: cases((base, key, model, tool, stream) =>
      post(
        `${base}/v1beta/models/${model}:${
          stream ? "streamGenerateContent?alt=sse" : "generateContent"
        }`,
        { "x-goog-api-key": key },
        geminiBody(tool),
      )
    ),
  },
};
