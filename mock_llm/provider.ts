/**
 * What the three provider modules (OpenAI, Anthropic, Gemini) have in common: the normalised
 * request they produce, the interface the HTTP layer drives, and small shared helpers.
 */
import type { BrainReply, Turn } from "./brain.ts";

export type ToolChoice = "auto" | "none" | "required";

export type ProviderName = "openai" | "anthropic" | "google";

/** A provider request reduced to what the brain and the journal need. */
export interface NormalisedRequest {
  model: string;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  system: string | null;
  turns: Turn[];
  tools: string[];
  /**
   * Whether the model may call the tools, normalised across providers: `auto`, `none` (OpenAI
   * `"none"`, Anthropic `{type:"none"}`, Gemini mode `NONE`), `required` (OpenAI `"required"` or
   * a named function, Anthropic `any`/`tool`, Gemini `ANY`); null when the request says nothing.
   */
  toolChoice: ToolChoice | null;
  /** Tool results after the last user turn. */
  toolResults: unknown[];
  messageCount: number;
  /** Characters of all text in the request, for `ceil(chars/4)` input tokens. */
  inputChars: number;
}

/** Everything a response builder needs besides the brain's reply. */
export interface ReplyContext {
  request: NormalisedRequest;
  reply: BrainReply;
  /** Unique id for this response (message / completion / tool call). */
  id: string;
  created: number;
}

/** One provider's wire format. */
export interface Provider {
  name: ProviderName;
  /** The API key as this provider's SDK sends it, or null. */
  apiKey(req: Request, query: (name: string) => string | undefined): string | null;
  /** Validates and normalises a parsed JSON body; throws {@linkcode BadRequest}. */
  normalise(body: unknown, hints: { model?: string; stream: boolean }): NormalisedRequest;
  /** The provider's error envelope for a status. */
  errorBody(status: number, message: string, param?: string | null): unknown;
  /** The full non-streaming JSON response. */
  json(ctx: ReplyContext): unknown;
  /** The SSE events, each a complete `…\n\n` block. */
  events(ctx: ReplyContext): string[];
  /** What an unparsable SSE chunk looks like for this provider. */
  badEvent: string;
}

/** A request the provider would reject with 400; `param` is for OpenAI's envelope. */
export class BadRequest extends Error {
  constructor(message: string, readonly param: string | null = null) {
    super(message);
  }
}

/** Tokens = ceil(chars / 4), as R-MOCKLLM-3 defines them. */
export function tokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Text a reply "generates", for output tokens. */
export function replyText(reply: BrainReply): string {
  return reply.kind === "text" ? reply.text : JSON.stringify(reply.args);
}

/** Splits text into word-sized stream deltas (at least one, possibly empty). */
export function deltas(text: string): string[] {
  const parts = text.match(/\s*\S+\s*/gu);
  return parts && parts.length > 0 ? parts : [text];
}

/** A plain object, or null. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : null;
}

/** Bearer token from the Authorization header, or null. */
export function bearer(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (!auth || !/^bearer\s/i.test(auth)) return null;
  const token = auth.slice(7).trim();
  return token || null;
}

let counter = 0;
const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);

/** A unique id with the provider's prefix, e.g. `chatcmpl-mock1a2b3c4d00000042`. */
export function newId(prefix: string): string {
  counter++;
  return `${prefix}${runId}${counter.toString(36).padStart(8, "0")}`;
}
