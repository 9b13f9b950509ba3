/**
 * The `llm_configs` store shared by the public AI settings routes, the admin
 * `/llm-config/{user_id}` routes and the agent: priority 0 is the primary, 1 the fallback.
 * Keys are encrypted with `encryptApiKey` before they reach SQL (R-LLMCFG-9) and only ever
 * come back out as `key_hint` (last 4) — or decrypted, server side, for an actual LLM call.
 */
import type postgres from "postgres";
import type { Deps } from "../deps.ts";
import type { Provider } from "../config.ts";
import { decryptApiKey, encryptApiKey, keyHint } from "../crypto/api_keys.ts";
import { ApiError } from "../http/errors.ts";
import { validationDetail } from "../http/app.ts";
import { type LlmConfigBody, LlmConfigBodySchema, type ProviderConfig } from "./schema.ts";

export const PRIMARY = 0;
export const FALLBACK = 1;

/** Config of R-LLMCFG-1 — never the key. */
export interface LlmConfig {
  id: number;
  provider: Provider;
  model_settings: Record<string, unknown>;
  key_hint: string | null;
  is_active: boolean;
  priority: number;
  created_at: string;
  updated_at: string | null;
}

export interface LlmConfigs {
  primary: LlmConfig | null;
  fallback: LlmConfig | null;
}

/** A config ready for a call: the decrypted key stays in memory only. */
export interface DecryptedLlmConfig {
  provider: Provider;
  apiKey: string;
  modelSettings: Record<string, unknown>;
}

type StoreDeps = Pick<Deps, "sql" | "keyring">;

interface Row {
  id: number;
  provider: Provider;
  model_settings: Record<string, unknown> | null;
  key_hint: string | null;
  is_active: boolean;
  priority: number;
  created_at: Date;
  updated_at: Date | null;
}

const MAX_INT4 = 2_147_483_647;

function toConfig(row: Row): LlmConfig {
  return {
    id: row.id,
    provider: row.provider,
    model_settings: row.model_settings ?? {},
    key_hint: row.key_hint,
    is_active: row.is_active,
    priority: row.priority,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at ? row.updated_at.toISOString() : null,
  };
}

/** The user's active primary and fallback configs. */
export async function getLlmConfigs(deps: Pick<Deps, "sql">, userId: number): Promise<LlmConfigs> {
  if (userId > MAX_INT4) return { primary: null, fallback: null };
  const rows = await deps.sql<Row[]>`
    SELECT id, provider, model_settings, key_hint, is_active, priority, created_at, updated_at
      FROM llm_configs WHERE user_id = ${userId} AND is_active ORDER BY priority`;
  const pick = (p: number) => rows.find((r) => r.priority === p);
  const primary = pick(PRIMARY);
  const fallback = pick(FALLBACK);
  return {
    primary: primary ? toConfig(primary) : null,
    fallback: fallback ? toConfig(fallback) : null,
  };
}

/** Validates an R-LLMCFG-1 body; throws the 422 `ApiError` with a readable detail. */
export function parseLlmConfigBody(body: unknown): LlmConfigBody {
  const result = LlmConfigBodySchema.safeParse(body);
  if (!result.success) throw new ApiError(422, validationDetail(result.error.issues));
  return result.data;
}

/**
 * Upserts the primary; an omitted `fallback` stays as it is, `null` removes it. The body is
 * validated here too (422), so every caller gets the same rules.
 */
export async function saveLlmConfig(
  deps: StoreDeps,
  userId: number,
  body: unknown,
): Promise<LlmConfigs> {
  const parsed = parseLlmConfigBody(body);
  // Encrypt before the transaction: nothing but ciphertext ever reaches SQL.
  const primary = await sealed(deps, userId, parsed);
  const fallback = parsed.fallback ? await sealed(deps, userId, parsed.fallback) : parsed.fallback;
  try {
    await deps.sql.begin(async (tx) => {
      await upsert(tx, userId, PRIMARY, primary);
      if (fallback === null) {
        await tx`DELETE FROM llm_configs WHERE user_id = ${userId} AND priority = ${FALLBACK}`;
      } else if (fallback !== undefined) {
        await upsert(tx, userId, FALLBACK, fallback);
      }
    });
  } catch (error) {
    // foreign_key_violation: the user was deleted after the caller checked it (an admin write
    // racing a delete). Contract v1.1: a write to a row deleted meanwhile is a 404.
    if ((error as { code?: unknown }).code === "23503") throw new ApiError(404, "User not found");
    throw error;
  }
  return await getLlmConfigs(deps, userId);
}

/** Removes the user's configs (primary and fallback); false when there was none. */
export async function deleteLlmConfig(deps: Pick<Deps, "sql">, userId: number): Promise<boolean> {
  if (userId > MAX_INT4) return false;
  const rows = await deps.sql`DELETE FROM llm_configs WHERE user_id = ${userId} RETURNING id`;
  return rows.length > 0;
}

/** The decrypted config at a priority, for a call; null when none is saved. */
export async function loadDecryptedConfig(
  deps: StoreDeps,
  userId: number,
  priority: number = PRIMARY,
): Promise<DecryptedLlmConfig | null> {
  const [row] = await deps.sql<
    { provider: Provider; api_key_encrypted: string; model_settings: Record<string, unknown> }[]
  >`SELECT provider, api_key_encrypted, model_settings FROM llm_configs
     WHERE user_id = ${userId} AND priority = ${priority} AND is_active`;
  if (!row) return null;
  return {
    provider: row.provider,
    apiKey: await decryptApiKey(deps.keyring, userId, row.api_key_encrypted),
    modelSettings: row.model_settings ?? {},
  };
}

interface Sealed {
  provider: Provider;
  encrypted: string;
  hint: string;
  settings: Record<string, unknown>;
}

async function sealed(deps: StoreDeps, userId: number, config: ProviderConfig): Promise<Sealed> {
  return {
    provider: config.provider,
    encrypted: await encryptApiKey(deps.keyring, userId, config.api_key),
    hint: keyHint(config.api_key),
    // Stored as typed; an absent or null custom_instructions is simply left out.
    settings: Object.fromEntries(
      Object.entries(config.model_settings).filter(([, v]) => v !== null && v !== undefined),
    ),
  };
}

async function upsert(
  tx: postgres.TransactionSql,
  userId: number,
  priority: number,
  config: Sealed,
): Promise<void> {
  await tx`INSERT INTO llm_configs
      (user_id, priority, provider, api_key_encrypted, key_hint, model_settings, is_active)
    VALUES (${userId}, ${priority}, ${config.provider}, ${config.encrypted}, ${config.hint},
      ${tx.json(config.settings as never)}, true)
    ON CONFLICT (user_id, priority) WHERE is_active DO UPDATE SET
      provider = EXCLUDED.provider, api_key_encrypted = EXCLUDED.api_key_encrypted,
      key_hint = EXCLUDED.key_hint, model_settings = EXCLUDED.model_settings, updated_at = now()`;
}
