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

/** The settings, or exit 1 with the refusal on stderr (R-CONFIG-2, R-CONFIG-3). */
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
  options: { sqlMax: number; redis?: RedisOptions; adminRedis?: RedisOptions },
): Promise<Deps> {
  configureLog({ service });
  const config = loadConfigOrExit();
  return {
    config,
    sql: createSql(config.databaseUrl, { max: options.sqlMax, applicationName: service }),
    redis: createRedis(config.redisUrl, options.redis),
    ...(options.adminRedis ? { adminRedis: createRedis(config.redisUrl, options.adminRedis) } : {}),
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
}

/** The readiness answer of an instance that is shutting down (R-REPLICA-3). */
function drainingAnswer(service: string): Response {
  return Response.json({ status: "not_ready", service, failed: ["shutting_down"] }, {
    status: 503,
  });
}

const READY_PATHS = new Set(["/ready", "/api/v1/ready"]);

/**
 * Serves `fetch` on `port`; on SIGTERM or SIGINT drains (R-REPLICA-3): `/ready` answers 503
 * at once while everything else is still served for `SHUTDOWN_DRAIN_MS`, so a proxy moves
 * traffic away before the port closes; then stops taking requests and finishes the accepted
 * ones, runs `beforeClose` (the private entrypoint stops its workers and hands back its
 * leases there), closes the stores' clients and exits 0.
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
  let stopping = false;
  const service = port === deps.config.privatePort ? "zapa-private" : "zapa-public";
  const server = Deno.serve({
    port,
    onListen: ({ hostname, port }) =>
      log.info("listening", { hostname, port, environment: deps.config.env }),
  }, (request, info) => {
    if (stopping && READY_PATHS.has(new URL(request.url).pathname)) {
      return drainingAnswer(service);
    }
    return fetch(request, info);
  });
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    hooks.onStop?.();
    const drainMs = deps.config.shutdownDrainMs;
    log.info("shutting down", { signal, drain_ms: drainMs });
    const hardStop = setTimeout(() => Deno.exit(0), drainMs + 8_000);
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    const closing = performance.now();
    await server.shutdown().catch(() => {});
    log.info("stopped taking requests; accepted ones answered", {
      finish_ms: Math.round(performance.now() - closing),
    });
    await hooks.beforeClose?.().catch(() => {});
    await deps.sql.end({ timeout: 2 }).catch(() => {});
    deps.redis.disconnect();
    deps.adminRedis?.disconnect();
    clearTimeout(hardStop);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
}
