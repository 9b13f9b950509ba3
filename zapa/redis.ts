/**
 * Redis connection shared by both entrypoints. Commands fail fast (≤ 200 ms) instead of
 * queueing while Redis is down, so callers can fall back to PostgreSQL or answer 503; the
 * client keeps reconnecting in the background.
 */
import { Redis } from "ioredis";

export type { Redis };

export interface RedisOptions {
  /** Per-command timeout in ms (default 200, R-INTAKE-2). */
  commandTimeoutMs?: number;
  /** Blocking commands (BLMOVE, BZPOPMIN …) need a connection without a command timeout. */
  blocking?: boolean;
  /** Coalesce commands issued in the same tick into one write (busy workers). */
  autoPipelining?: boolean;
}

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.blocking ? undefined : options.commandTimeoutMs ?? 200,
    enableAutoPipelining: options.autoPipelining ?? false,
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    // Reconnect only for a failed-over replica; ordinary command errors (NOSCRIPT, BUSYGROUP …)
    // must not drop the connection.
    reconnectOnError: (error) => /READONLY/.test(error.message),
  });
  // Without a listener ioredis prints every reconnect error; readiness reports the state.
  redis.on("error", () => {});
  redis.once("ready", () => connectedOnce.add(redis));
  return redis;
}

/** True when the client currently has a live connection. */
export function redisIsUp(redis: Redis): boolean {
  return redis.status === "ready";
}

const connectedOnce = new WeakSet<Redis>();

/** True once the client has had a connection (it may be down again now). */
export function hasConnected(redis: Redis): boolean {
  return connectedOnce.has(redis) || redis.status === "ready";
}

/**
 * Resolves once the client has connected for the first time, or after `timeoutMs`. A process
 * that just started has not connected yet; without this wait its first commands would fail
 * as if Redis were down.
 */
export async function firstConnection(redis: Redis, timeoutMs: number): Promise<void> {
  if (hasConnected(redis)) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onReady: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    onReady = resolve;
    redis.once("ready", onReady);
    timer = setTimeout(resolve, timeoutMs);
  });
  clearTimeout(timer);
  redis.off("ready", onReady!);
}
