/**
 * The private entrypoint (:8001): webhook intake, the workers (ingest, agent, delivery,
 * sweeper) and the admin API. It starts even with PostgreSQL, Redis or the bridge down,
 * migrates under the advisory lock once PostgreSQL answers, then starts the workers; SIGTERM
 * and SIGINT stop it gracefully.
 */
import { ConfigError, loadConfig } from "./config.ts";
import { createSql } from "./db/mod.ts";
import { migrate } from "./db/migrate.ts";
import { createRedis, redisIsUp } from "./redis.ts";
import { createKeyring } from "./crypto/api_keys.ts";
import { MetricsRegistry } from "./http/metrics.ts";
import { configureLog, errorText, log } from "./log.ts";
import type { Deps } from "./deps.ts";
import { createWebhook, type PipelineHandle } from "./pipeline/mod.ts";
import { PipelineThread } from "./pipeline/thread.ts";
import { StatusParking } from "./pipeline/statuses.ts";
import { createPrivateApp } from "./private_app.ts";

configureLog({ service: "zapa-private" });

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

const sql = createSql(config.databaseUrl, { max: 8, applicationName: "zapa-private" });
const redis = createRedis(config.redisUrl);
const deps: Deps = {
  config,
  sql,
  redis,
  keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
  metrics: new MetricsRegistry(),
};

// The workers run in their own thread; this one acknowledges webhooks and serves the API.
const thread = new PipelineThread(deps.metrics);
let markSchemaReady!: () => void;
const schemaReady = new Promise<void>((resolve) => (markSchemaReady = resolve));
const pipeline: PipelineHandle = {
  webhook: createWebhook(deps, {
    parking: new StatusParking(deps),
    onPending: (userId) => thread.notifyAgent(userId),
    onDrained: () => thread.kickDelivery(),
    schemaReady,
  }),
  activity: () => thread.activity(),
};
const app = createPrivateApp(deps, pipeline);

const server = Deno.serve({
  port: config.privatePort,
  onListen: ({ hostname, port }) =>
    log.info("listening", { hostname, port, environment: config.env }),
}, app.fetch);

let stopping = false;

/** Migrates once PostgreSQL answers (retrying), then starts the workers and the session events. */
async function boot(): Promise<void> {
  let attempt = 0;
  while (!stopping) {
    try {
      const applied = await migrate(sql);
      if (applied.length) log.info("migrations applied", { versions: applied });
      break;
    } catch (error) {
      attempt++;
      if (attempt === 1 || attempt % 30 === 0) {
        log.warn("database not ready, retrying migrations", { error: errorText(error) });
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  if (!stopping) thread.start();
  // Session events wait for the schema, and briefly for Redis, so that a `session.connected`
  // sent while we boot is mirrored and drains the queue instead of being dropped.
  const redisBy = Date.now() + 5_000;
  while (!stopping && !redisIsUp(redis) && Date.now() < redisBy) {
    await new Promise((r) => setTimeout(r, 50));
  }
  markSchemaReady();
}
const booting = boot();

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal });
  const hardStop = setTimeout(() => Deno.exit(0), 8_000);
  await server.shutdown().catch(() => {});
  await booting.catch(() => {});
  await thread.stop().catch(() => {});
  await sql.end({ timeout: 2 }).catch(() => {});
  redis.disconnect();
  clearTimeout(hardStop);
  Deno.exit(0);
}

Deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
