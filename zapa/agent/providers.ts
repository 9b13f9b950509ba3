/**
 * The LLM providers catalogue (R-LLMCFG-6): the models offered per provider (the first is the
 * default), and the model aliases, which are resolved at call time so that the stored value is
 * kept exactly as the user typed it. Unknown model ids pass through unchanged.
 */
import type { Provider } from "../config.ts";

export type { Provider } from "../config.ts";

export interface ProviderModel {
  value: string;
  name: string;
}

export interface ProviderInfo {
  value: Provider;
  name: string;
  description: string;
  default_model: string;
  models: ProviderModel[];
}

export const PROVIDERS: readonly ProviderInfo[] = [
  {
    value: "openai",
    name: "OpenAI",
    description: "GPT models from OpenAI",
    default_model: "gpt-4o-mini",
    models: [
      { value: "gpt-4o-mini", name: "GPT-4o mini" },
      { value: "gpt-4o", name: "GPT-4o" },
      { value: "gpt-4.1", name: "GPT-4.1" },
      { value: "gpt-4.1-mini", name: "GPT-4.1 mini" },
      { value: "gpt-3.5-turbo", name: "GPT-3.5 Turbo" },
    ],
  },
  {
    value: "anthropic",
    name: "Anthropic",
    description: "Claude models from Anthropic",
    default_model: "claude-3-5-haiku-latest",
    models: [
      { value: "claude-3-5-haiku-latest", name: "Claude 3.5 Haiku" },
      { value: "claude-3-5-sonnet-latest", name: "Claude 3.5 Sonnet" },
      { value: "claude-3-haiku", name: "Claude 3 Haiku" },
      { value: "claude-3-sonnet", name: "Claude 3 Sonnet" },
      { value: "claude-3-opus", name: "Claude 3 Opus" },
    ],
  },
  {
    value: "google",
    name: "Google",
    description: "Gemini models from Google",
    default_model: "gemini-2.0-flash",
    models: [
      { value: "gemini-2.0-flash", name: "Gemini 2.0 Flash" },
      { value: "gemini-1.5-pro", name: "Gemini 1.5 Pro" },
      { value: "gemini-1.5-flash", name: "Gemini 1.5 Flash" },
    ],
  },
];

export const DEFAULT_MODEL: Readonly<Record<Provider, string>> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  google: "gemini-2.0-flash",
};

/** Model aliases of R-LLMCFG-7; keys are compared case-insensitively. */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  "claude-3-haiku": "claude-3-haiku-20240307",
  "claude-3-sonnet": "claude-3-sonnet-20240229",
  "claude-3-opus": "claude-3-opus-20240229",
  "claude-3-5-haiku": "claude-3-5-haiku-latest",
  "claude-3-5-sonnet": "claude-3-5-sonnet-latest",
  "gemini-pro": "gemini-1.5-pro",
  "gpt-4-turbo-preview": "gpt-4-turbo",
};

/**
 * The model id to send: an alias becomes its full id, an empty value becomes the provider's
 * default, and anything else passes through (trimmed).
 */
export function resolveModel(provider: Provider, model: string | null | undefined): string {
  // Stored JSON may hold anything; only a string names a model.
  const trimmed = typeof model === "string" ? model.trim() : "";
  if (!trimmed) return DEFAULT_MODEL[provider];
  return MODEL_ALIASES[trimmed.toLowerCase()] ?? trimmed;
}
