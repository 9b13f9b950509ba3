/**
 * The provider-neutral conversation and the adapter interface shared by the three adapters,
 * plus the small helpers they have in common (deadline, argument parsing).
 */
export interface ToolCall {
  /** Provider call id (generated locally when the provider sends none). */
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export type ChatMessage =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; toolCalls?: ToolCall[] }
  | { role: "tool"; callId: string; name: string; content: string };

/** A tool offered to the model; `parameters` is a plain JSON schema of an object. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

export interface JsonSchemaObject {
  type: "object";
  properties: Record<string, { type: "string" | "integer"; description: string }>;
  required?: string[];
}

export interface ChatRequest {
  model: string;
  system: string;
  messages: ChatMessage[];
  /** Tools offered. With `toolChoice: "none"` they are listed but may not be called. */
  tools?: ToolSpec[];
  toolChoice?: "auto" | "none";
  maxTokens: number;
  temperature?: number;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
}

export interface CallOptions {
  apiKey: string;
  /** null → the SDK's default (real) endpoint. */
  baseUrl: string | null;
  /** Each call is aborted after this long. */
  timeoutMs: number;
}

export interface Adapter {
  /** Throws `LlmError` (and only that) on failure. */
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
}

/** Runs `fn` with an AbortSignal that fires after `timeoutMs`; reports whether it fired. */
export async function withDeadline<T>(
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T } | { error: unknown; timedOut: boolean }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException("LLM call timed out", "TimeoutError"));
  }, timeoutMs);
  try {
    return { value: await fn(controller.signal) };
  } catch (error) {
    return { error, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** Parses a tool-call argument string; anything but a JSON object becomes `{}`. */
export function parseArgs(raw: unknown): Record<string, unknown> {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = raw.trim() ? JSON.parse(raw) : {};
    } catch {
      return { __invalid_json: raw.slice(0, 200) };
    }
  }
  return value && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

/**
 * Tolerates the usual base-URL slips: a trailing slash everywhere; for OpenAI a bare host gets
 * `/v1` (its SDK appends `/chat/completions` directly); Anthropic and Gemini URLs lose a
 * trailing `/v1`/`/v1beta`, because their SDKs add the version themselves.
 */
export function normaliseBaseUrl(
  provider: "openai" | "anthropic" | "google",
  url: string | null,
): string | null {
  if (!url) return null;
  let base = url.trim().replace(/\/+$/, "");
  if (provider === "openai") {
    try {
      if (new URL(base).pathname === "/") base += "/v1";
    } catch {
      return base;
    }
    return base;
  }
  return base.replace(/\/v1(beta|alpha)?$/, "");
}
