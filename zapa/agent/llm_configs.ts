/**
 * The agent's view of a user's LLM settings: the active primary (priority 0) and fallback
 * (priority 1) rows of `llm_configs`, read fresh for every reply so changes apply from the next
 * message. Keys stay encrypted here; they are decrypted only when a call needs them.
 */
import type { Provider } from "../config.ts";
import type { Sql } from "../db/mod.ts";

export interface ModelSettings {
  model?: string;
  temperature?: number;
  max_tokens?: number;
  custom_instructions?: string;
}

export interface StoredLlmConfig {
  id: number;
  priority: number;
  provider: Provider;
  api_key_encrypted: string;
  model_settings: ModelSettings;
}

export async function activeLlmConfigs(
  sql: Sql,
  userId: number,
): Promise<{ primary: StoredLlmConfig | null; fallback: StoredLlmConfig | null }> {
  const rows = await sql<StoredLlmConfig[]>`
    SELECT id, priority, provider, api_key_encrypted, model_settings
      FROM llm_configs
     WHERE user_id = ${userId} AND is_active AND priority IN (0, 1)
     ORDER BY priority`;
  return primaryAndFallback(rows);
}

/** Picks the primary (priority 0) and fallback (priority 1) out of the active rows. */
export function primaryAndFallback(
  rows: readonly StoredLlmConfig[],
): { primary: StoredLlmConfig | null; fallback: StoredLlmConfig | null } {
  return {
    primary: rows.find((r) => r.priority === 0) ?? null,
    fallback: rows.find((r) => r.priority === 1) ?? null,
  };
}

/** Temperature 0–2 (default 0.7) and max tokens 1–8192 (default 1000), whatever was stored. */
export function callSettings(settings: ModelSettings | null | undefined): {
  temperature: number;
  maxTokens: number;
} {
  const t = Number(settings?.temperature);
  const m = Number(settings?.max_tokens);
  return {
    temperature:
      Number.isFinite(t) && settings?.temperature !== undefined && settings.temperature !== null
        ? Math.min(2, Math.max(0, t))
        : 0.7,
    maxTokens: Number.isInteger(m) && m >= 1 ? Math.min(8192, m) : 1000,
  };
}
