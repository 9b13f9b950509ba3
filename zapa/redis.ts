/**
 * Redis connection shared by both entrypoints. Commands fail fast (≤ 200 ms) instead of
 * queueing while Redis is down, so callers can fall back to PostgreSQL or answer 503; the
 * client keeps reconnecting in the background.
 */
import { Redis } from "ioredis";

export type { Redis };

export interface RedisOptions {
  /** Per-command timeout in ms (default 200, contract §4.3). */
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
  return redis;
}

/** True when the client currently has a live connection. */
export function redisIsUp(redis: Redis): boolean {
  return redis.status === "ready";
}
