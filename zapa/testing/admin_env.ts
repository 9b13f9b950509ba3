/**
 * Throwaway PostgreSQL 15 + Redis for the admin unit tests (the servers of
 * `zapa/testing/stores.ts`): `startTestEnv()` migrates the schema and returns `Deps` built like
 * an entrypoint does.
 */
import { createSql } from "../db/mod.ts";
import { createRedis } from "../redis.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { loadConfig } from "../config.ts";
import type { Deps } from "../deps.ts";
import { TestPostgres, TestRedis } from "./stores.ts";

export interface TestEnv {
  deps: Deps;
  stop(): Promise<void>;
}

export async function startTestEnv(): Promise<TestEnv> {
  const [pg, rd] = await Promise.all([TestPostgres.create(), TestRedis.create()]);
  const config = loadConfig({
    ZAPA_ENV: "test",
    DATABASE_URL: pg.url,
    REDIS_URL: rd.url,
    ZAPA_JWT_SECRET: "user-secret-user-secret-user-secret-0123",
    ZAPA_ADMIN_JWT_SECRET: "admin-secret-admin-secret-admin-secret-01",
    ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
    ZAPA_AUTH_TEST_CODE: "123456",
  });
  const sql = createSql(config.databaseUrl, { max: 4 });
  const redis = createRedis(config.redisUrl);
  const deadline = Date.now() + 5_000;
  while (redis.status !== "ready") {
    if (Date.now() > deadline) throw new Error("the admin tests' Redis client did not connect");
    await new Promise((r) => setTimeout(r, 10));
  }
  const deps: Deps = {
    config,
    sql,
    redis,
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
  return {
    deps,
    async stop() {
      await sql.end({ timeout: 1 }).catch(() => {});
      redis.disconnect();
      await Promise.all([pg.destroy(), rd.destroy()]);
    },
  };
}
