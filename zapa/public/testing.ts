/**
 * Test support for the public entrypoint's suites: an ephemeral PostgreSQL 15 (migrated with
 * `zapa/db/migrate.ts`) and an ephemeral Redis, each a direct child run through
 * `setpriv --pdeathsig` so nothing outlives a crashed test run (toolchain.md §5b, §6).
 */
import { createSql, type Sql } from "../db/mod.ts";
import { migrate } from "../db/migrate.ts";
import { createRedis, type Redis } from "../redis.ts";
import { loadConfig } from "../config.ts";
import type { Deps } from "../deps.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { App } from "../http/app.ts";
import { createPublicApp, type PublicAppOptions } from "../public_app.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";

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

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not accept connections on ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Starts a fresh, migrated PostgreSQL cluster. */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = await Deno.makeTempDir({ prefix: "zapa-public-pg-" });
  const root = Deno.uid() === 0;
  const asPg = root ? ["--reuid=postgres", "--regid=postgres", "--init-groups"] : [];
  if (root) {
    await new Deno.Command("chown", { args: ["postgres:postgres", dir] }).output();
  }
  const init = await new Deno.Command("setpriv", {
    args: [
      ...asPg,
      `${PG_BIN}/initdb`,
      "-D",
      `${dir}/data`,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
      "--no-instructions",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!init.success) throw new Error(`initdb failed: ${new TextDecoder().decode(init.stderr)}`);
  const port = freePort();
  const child = new Deno.Command("setpriv", {
    args: [
      ...asPg,
      "--pdeathsig",
      "SIGINT",
      `${PG_BIN}/postgres`,
      "-D",
      `${dir}/data`,
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let sql: Sql | undefined;
  try {
    await waitForPort(port, "postgres");
    sql = createSql(url, { max: 8, applicationName: "zapa-public-test" });
    const deadline = Date.now() + 15_000;
    while (true) {
      try {
        await sql`SELECT 1`;
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await migrate(sql);
  } catch (error) {
    await sql?.end({ timeout: 1 });
    child.kill("SIGINT");
    await child.status;
    throw error;
  }
  const connected = sql;
  return {
    url,
    sql: connected,
    async stop() {
      await connected.end({ timeout: 1 });
      try {
        child.kill("SIGINT");
      } catch { /* already gone */ }
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Starts an empty Redis on a free port. */
export async function startRedis(): Promise<TestRedis> {
  const port = freePort();
  const child = new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGTERM",
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
      "--loglevel",
      "warning",
      "--dir",
      "/tmp",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port, "redis");
  const url = `redis://127.0.0.1:${port}/0`;
  const redis = createRedis(url, { commandTimeoutMs: 1_000 });
  const deadline = Date.now() + 5_000;
  while (redis.status !== "ready") {
    if (Date.now() > deadline) throw new Error("redis client did not connect");
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    url,
    port,
    redis,
    async stop() {
      redis.disconnect();
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
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

/** Settings of the test profile (contract §1) for in-process app tests. */
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
