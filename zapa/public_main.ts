/**
 * The public entrypoint (:8002): code login, the messages API, AI settings and the dashboard.
 * It starts even with PostgreSQL or Redis down (the clients reconnect on their own and `/ready`
 * says what is missing); migrations are the private entrypoint's job. SIGTERM and SIGINT stop
 * it gracefully.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { createSql } from "./db/mod.ts";
import { createRedis } from "./redis.ts";
import { createKeyring } from "./crypto/api_keys.ts";
import { MetricsRegistry } from "./http/metrics.ts";
import { configureLog, log } from "./log.ts";
import type { Deps } from "./deps.ts";
import { createPublicApp } from "./public_app.ts";

configureLog({ service: "zapa-public" });

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}

const sql = createSql(config.databaseUrl, { max: 20, applicationName: "zapa-public" });
// 1 s, not the 200 ms fail-fast default: a busy box must not turn sign-ins into 503s.
const redis = createRedis(config.redisUrl, { commandTimeoutMs: 1_000 });
const deps: Deps = {
  config,
  sql,
  redis,
  keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
  metrics: new MetricsRegistry(),
};

const app = createPublicApp(deps);
const server = Deno.serve({
  port: config.publicPort,
  onListen: ({ hostname, port }) =>
    log.info("listening", { hostname, port, environment: config.env }),
}, app.fetch);

let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal });
  const hardStop = setTimeout(() => Deno.exit(0), 8_000);
  await server.shutdown().catch(() => {});
  await sql.end({ timeout: 2 }).catch(() => {});
  redis.disconnect();
  clearTimeout(hardStop);
  Deno.exit(0);
}

Deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
