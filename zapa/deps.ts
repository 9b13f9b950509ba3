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
  keyring: Keyring;
  metrics: MetricsRegistry;
}
