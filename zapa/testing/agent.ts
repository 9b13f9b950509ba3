/**
 * Test support for the agent's suites: Deps over an ephemeral PostgreSQL (from
 * `zapa/public/testing.ts`) pointed at an in-process mock LLM, and small row writers.
 */
import { loadConfig } from "../config.ts";
import { createKeyring, encryptApiKey } from "../crypto/api_keys.ts";
import type { Sql } from "../db/mod.ts";
import type { Deps } from "../deps.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { Redis } from "../redis.ts";

export async function testDeps(
  sql: Sql,
  llmBase: string,
  env: Record<string, string> = {},
): Promise<Deps> {
  const config = loadConfig({
    ZAPA_ENV: "test",
    DATABASE_URL: "postgres://unused",
    REDIS_URL: "redis://unused",
    ZAPA_JWT_SECRET: "j".repeat(40),
    ZAPA_ADMIN_JWT_SECRET: "a".repeat(40),
    ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))),
    OPENAI_BASE_URL: `${llmBase}/v1`,
    ANTHROPIC_BASE_URL: llmBase,
    GOOGLE_BASE_URL: llmBase,
    LLM_RETRY_BASE_MS: "10",
    LLM_TIMEOUT_MS: "2000",
    ...env,
  });
  return {
    config,
    sql,
    // The agent never touches Redis.
    redis: null as unknown as Redis,
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
}

let phoneCounter = 0;

/** A user with a unique phone number. */
export async function newUser(sql: Sql): Promise<number> {
  const suffix = String(Date.now() % 1_000_000_000).padStart(9, "0");
  const phone = `+1${suffix}${String(phoneCounter++ % 100).padStart(2, "0")}`;
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO users (phone_number, display_name) VALUES (${phone}, 'Test') RETURNING id`;
  return row!.id;
}

export interface NewMessage {
  direction?: "inbound" | "outbound" | "system";
  content?: string | null;
  message_type?: string;
  caption?: string | null;
  timestamp?: Date;
}

export async function addMessage(sql: Sql, userId: number, m: NewMessage): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO messages (user_id, direction, message_type, content, caption, "timestamp")
    VALUES (${userId}, ${m.direction ?? "inbound"}, ${m.message_type ?? "text"},
            ${m.content ?? null}, ${m.caption ?? null}, ${m.timestamp ?? new Date()})
    RETURNING id`;
  return row!.id;
}

export async function addLlmConfig(
  deps: Deps,
  userId: number,
  c: { provider: string; apiKey: string; model?: string; priority?: number; custom?: string },
): Promise<void> {
  const encrypted = await encryptApiKey(deps.keyring, userId, c.apiKey);
  const settings = { model: c.model ?? "", custom_instructions: c.custom ?? "" };
  await deps.sql`
    INSERT INTO llm_configs (user_id, priority, provider, api_key_encrypted, key_hint, model_settings)
    VALUES (${userId}, ${c.priority ?? 0}, ${c.provider}, ${encrypted}, ${c.apiKey.slice(-4)},
            ${deps.sql.json(settings)})`;
}
