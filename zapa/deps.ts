/**
 * What request handlers and workers need, built once by an entrypoint and passed down
 * explicitly (no globals): configuration, the PostgreSQL pool, Redis, the API-key keyring
 * and the metrics registry.
 */
import type { Config } from "./config.ts";
import type { Sql } from "./db/mod.ts";
import type { Redis } from "./redis.ts";
import type { Keyring } from "./crypto/api_keys.ts";
import type { MetricsRegistry } from "./http/metrics.ts";

export interface Deps {
  config: Config;
  sql: Sql;
  redis: Redis;
  /**
   * The private entrypoint's client for its admin API and console: the webhook's `redis` must
   * fail within 200 ms so intake can fall back to PostgreSQL (R-INTAKE-2), but an operator's
   * request has nowhere to fall back to, and on a starved box a 200 ms budget turned a slow
   * Redis answer into a 503 for a requeue that Redis had carried out. Absent: `redis`.
   */
  adminRedis?: Redis;
  keyring: Keyring;
  metrics: MetricsRegistry;
}
