/**
 * What both entrypoints do around their app: read the settings once (a `ConfigError` is one
 * line on stderr and exit 1), build the shared `Deps`, serve, and stop gracefully on SIGTERM or
 * SIGINT (bounded: after 8 s the process exits anyway).
 */
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { createSql } from "./db/mod.ts";
import { createRedis, type RedisOptions } from "./redis.ts";
import { createKeyring } from "./crypto/api_keys.ts";
import { MetricsRegistry } from "./http/metrics.ts";
import { configureLog, log } from "./log.ts";
import type { Deps } from "./deps.ts";

export type Service = "zapa-private" | "zapa-public";

/** The settings, or exit 1 with the refusal on stderr (contract §1). */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      Deno.exit(1);
    }
    throw error;
  }
}

/** Logs as `service`, loads the settings, and builds the stores' clients. */
export async function startService(
  service: Service,
  options: { sqlMax: number; redis?: RedisOptions },
): Promise<Deps> {
  configureLog({ service });
  const config = loadConfigOrExit();
  return {
    config,
    sql: createSql(config.databaseUrl, { max: options.sqlMax, applicationName: service }),
    redis: createRedis(config.redisUrl, options.redis),
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
}

/**
 * Serves `fetch` on `port`; on SIGTERM or SIGINT stops taking requests, runs `beforeClose`
 * (the private entrypoint stops its workers there), closes the stores' clients and exits 0.
 */
export function serveUntilSignal(
  deps: Deps,
  port: number,
  fetch: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => Response | Promise<Response>,
  hooks: { onStop?: () => void; beforeClose?: () => Promise<void> } = {},
): void {
  const server = Deno.serve({
    port,
    onListen: ({ hostname, port }) =>
      log.info("listening", { hostname, port, environment: deps.config.env }),
  }, fetch);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    hooks.onStop?.();
    log.info("shutting down", { signal });
    const hardStop = setTimeout(() => Deno.exit(0), 8_000);
    await server.shutdown().catch(() => {});
    await hooks.beforeClose?.().catch(() => {});
    await deps.sql.end({ timeout: 2 }).catch(() => {});
    deps.redis.disconnect();
    clearTimeout(hardStop);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
}
