/**
 * Both entrypoints' apps built without touching PostgreSQL, Redis or the bridge: enough to
 * render what they publish at `/openapi.json` (the `deno task spec` script and the drift test).
 */
import { Redis } from "ioredis";
import { loadConfig } from "../config.ts";
import { createSql } from "../db/mod.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { App } from "../http/app.ts";
import type { Deps } from "../deps.ts";
import { createPublicApp } from "../public_app.ts";
import { createPrivateApp } from "../private_app.ts";
import { assemblePipeline, idleWorkers } from "../pipeline/mod.ts";

/** Settings of the test profile; nothing here is ever connected to. */
const OFFLINE_ENV = {
  ZAPA_ENV: "test",
  DATABASE_URL: "postgres://offline@127.0.0.1:1/offline",
  REDIS_URL: "redis://127.0.0.1:1/0",
  ZAPA_JWT_SECRET: "offline-user-secret-0123456789abcdef0123456789",
  ZAPA_ADMIN_JWT_SECRET: "offline-admin-secret-0123456789abcdef012345678",
  ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(1))),
};

export interface OfflineApps {
  public: App;
  private: App;
  close(): Promise<void>;
}

/** The two apps over lazy clients: rendering documents opens no connection. */
export async function offlineApps(): Promise<OfflineApps> {
  const config = loadConfig(OFFLINE_ENV);
  const sql = createSql(config.databaseUrl, { max: 1 });
  const redis = new Redis(config.redisUrl, { lazyConnect: true });
  const deps: Deps = {
    config,
    sql,
    redis,
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
  return {
    public: createPublicApp(deps),
    private: createPrivateApp(deps, assemblePipeline(deps, idleWorkers())),
    async close() {
      redis.disconnect();
      await sql.end({ timeout: 1 });
    },
  };
}
