/**
 * Test support for the public entrypoint's suites: the ephemeral, migrated PostgreSQL 15 and
 * the Redis of `zapa/testing/stores.ts`, each handed over with a connected client, and the
 * public app in-process under the test profile.
 */
import { createSql, type Sql } from "../db/mod.ts";
import { createRedis, type Redis } from "../redis.ts";
import { loadConfig } from "../config.ts";
import type { Deps } from "../deps.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { App } from "../http/app.ts";
import { createPublicApp, type PublicAppOptions } from "../public_app.ts";
import { TestPostgres as PostgresServer, TestRedis as RedisServer } from "../testing/stores.ts";

export interface TestPostgres {
  url: string;
  sql: Sql;
  stop(): Promise<void>;
}

export interface TestRedis {
  url: string;
  port: number;
  redis: Redis;
  stop(): Promise<void>;
}

/** Starts a fresh, migrated PostgreSQL cluster with a connected pool. */
export async function startPostgres(): Promise<TestPostgres> {
  const pg = await PostgresServer.create();
  const sql = createSql(pg.url, { max: 8, applicationName: "zapa-public-test" });
  return {
    url: pg.url,
    sql,
    async stop() {
      await sql.end({ timeout: 1 });
      await pg.destroy();
    },
  };
}

/** Starts an empty Redis on a free port with a connected client. */
export async function startRedis(): Promise<TestRedis> {
  const server = await RedisServer.create();
  const redis = createRedis(server.url, { commandTimeoutMs: 1_000 });
  const deadline = Date.now() + 5_000;
  while (redis.status !== "ready") {
    if (Date.now() > deadline) {
      redis.disconnect();
      await server.destroy();
      throw new Error("redis client did not connect");
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    url: server.url,
    port: server.port,
    redis,
    async stop() {
      redis.disconnect();
      await server.destroy();
    },
  };
}

/** Inserts a user and returns its id. */
export async function createUser(
  sql: Sql,
  phone: string,
  options: { active?: boolean } = {},
): Promise<number> {
  const [row] = await sql<
    { id: number }[]
  >`INSERT INTO users (phone_number, display_name, is_active)
    VALUES (${phone}, ${"User " + phone.slice(-4)}, ${options.active ?? true}) RETURNING id`;
  return row!.id;
}

/** Settings of the test profile (R-CONFIG-4) for in-process app tests. */
export function testEnv(
  databaseUrl: string,
  redisUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ZAPA_ENV: "test",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ZAPA_JWT_SECRET: "public-test-user-secret-0123456789abcdef",
    ZAPA_ADMIN_JWT_SECRET: "public-test-admin-secret-0123456789abcdef",
    ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(42))),
    ZAPA_AUTH_TEST_CODE: "123456",
    AUTH_CODE_RATE_PER_IP_HOUR: "100000",
    ...overrides,
  };
}

export interface PublicTestEnv {
  pg: TestPostgres;
  redis: TestRedis;
  deps: Deps;
  app: App;
  /** `app.request` with a JSON body and optional Bearer token. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Request a code and verify it (test code 123456); returns the token and user id. */
  signIn(phone: string): Promise<{ token: string; userId: number }>;
  stop(): Promise<void>;
}

/** PostgreSQL + Redis + the public app in-process, under the test profile. */
export async function startPublicEnv(
  options: { env?: Record<string, string>; app?: PublicAppOptions } = {},
): Promise<PublicTestEnv> {
  const pg = await startPostgres();
  let redis: TestRedis;
  try {
    redis = await startRedis();
  } catch (error) {
    await pg.stop();
    throw error;
  }
  const config = loadConfig(testEnv(pg.url, redis.url, options.env));
  const deps: Deps = {
    config,
    sql: pg.sql,
    redis: redis.redis,
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
  const app = createPublicApp(deps, options.app);
  const call: PublicTestEnv["call"] = (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: BodyInit | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === "string" || o.body instanceof Uint8Array
        ? o.body as BodyInit
        : JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    return Promise.resolve(app.request(path, { method, body, headers }));
  };
  return {
    pg,
    redis,
    deps,
    app,
    call,
    async signIn(phone) {
      const requested = await call("POST", "/api/v1/auth/request-code", {
        body: { phone_number: phone },
      });
      if (requested.status !== 200) throw new Error(`request-code: ${requested.status}`);
      const verified = await call("POST", "/api/v1/auth/verify", {
        body: { phone_number: phone, code: "123456" },
      });
      const json = await verified.json();
      if (verified.status !== 200) throw new Error(`verify: ${verified.status}`);
      return { token: json.access_token, userId: json.user_id };
    },
    async stop() {
      await redis.stop();
      await pg.stop();
    },
  };
}
