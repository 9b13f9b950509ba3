/**
 * Validation of LLM settings bodies (R-LLMCFG-3): provider one of three, `api_key` 1–500
 * characters with no prefix rules, `model` required, `temperature` 0–2 (0.7), `max_tokens`
 * 1–8192 (1000), `custom_instructions` ≤ 2000. Unknown fields are refused (422).
 */
import { z } from "@hono/zod-openapi";
import { NONBLANK_TEXT_PATTERN } from "../http/text_input.ts";

export const ProviderSchema = z.enum(["openai", "anthropic", "google"]);

export const ModelSettingsSchema = z.strictObject({
  model: z.string().trim().min(1, "model is required").max(100)
    .openapi({ pattern: NONBLANK_TEXT_PATTERN }),
  temperature: z.number().min(0).max(2).default(0.7),
  max_tokens: z.number().int().min(1).max(8192).default(1000),
  custom_instructions: z.string().max(2000).nullish(),
}).openapi("ModelSettings");

export const ProviderConfigSchema = z.strictObject({
  provider: ProviderSchema,
  api_key: z.string().min(1).max(500).refine((v) => v.trim().length > 0, "api_key is empty")
    .openapi({ pattern: NONBLANK_TEXT_PATTERN }),
  model_settings: ModelSettingsSchema,
});

export const LlmConfigBodySchema = ProviderConfigSchema.extend({
  fallback: ProviderConfigSchema.nullable().optional(),
}).openapi("LlmConfigBody");

export type ModelSettings = z.output<typeof ModelSettingsSchema>;
export type ProviderConfig = z.output<typeof ProviderConfigSchema>;
export type LlmConfigBody = z.output<typeof LlmConfigBodySchema>;

export const ConfigSchema = z.object({
  id: z.number().int(),
  provider: ProviderSchema,
  model_settings: z.record(z.string(), z.unknown()),
  key_hint: z.string().nullable(),
  is_active: z.boolean(),
  priority: z.number().int(),
  created_at: z.string(),
  updated_at: z.string().nullable(),
}).openapi("LlmConfig");

export const LlmConfigsSchema = z.object({
  primary: ConfigSchema.nullable(),
  fallback: ConfigSchema.nullable(),
}).openapi("LlmConfigs");
