/**
 * What the agent hands the pipeline: a reply's text and the metadata stored with it
 * (`messages.metadata`), and the fixed replies of R-LLMERR-4 and R-LLMERR-5. Both the agent (`mod.ts`) and
 * the agent worker (`pipeline/agent_worker.ts`) build replies, so the shape lives here once.
 */

export interface ReplyMetadata {
  provider: string | null;
  model: string | null;
  response_time_ms: number;
  tool_rounds: number;
  fallback_used: boolean;
  error_kind: string | null;
}

export interface ReplyResult {
  text: string;
  metadata: ReplyMetadata;
}

export const NOT_CONFIGURED_REPLY =
  "Your AI assistant isn't set up yet. Sign in to the Zapa dashboard with your WhatsApp number and add an AI provider under AI settings.";
export const UNAVAILABLE_REPLY =
  "Sorry, the AI assistant is temporarily unavailable right now. Please try again in a few minutes.";
export const REJECTED_KEY_REPLY =
  "The AI provider rejected the API key configured for your assistant. Please update it in the Zapa dashboard.";
/** When a model answers with nothing at all. */
export const EMPTY_REPLY = "Sorry, I don't have an answer to that.";
