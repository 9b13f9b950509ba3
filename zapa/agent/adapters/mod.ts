/**
 * One interface over the three official LLM SDKs. The agent speaks a provider-neutral
 * conversation (user/assistant turns, tool calls and tool results); each adapter maps it to its
 * provider's native format and maps the answer back. Adapters never retry: the policy does.
 */
import type { Provider } from "../../config.ts";
import { anthropicAdapter } from "./anthropic.ts";
import { googleAdapter } from "./google.ts";
import { openaiAdapter } from "./openai.ts";
import type { Adapter } from "./types.ts";

export { LlmError, type LlmErrorKind } from "./errors.ts";
export type {
  Adapter,
  CallOptions,
  ChatMessage,
  ChatRequest,
  ChatResult,
  JsonSchemaObject,
  ToolCall,
  ToolSpec,
} from "./types.ts";

export const ADAPTERS: Readonly<Record<Provider, Adapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  google: googleAdapter,
};
