/**
 * Throwaway PostgreSQL 15 + Redis for the admin unit tests (toolchain.md §5b, §6): both run
 * as direct children through `setpriv --pdeathsig`, so they die with the test process.
 * `startTestEnv()` migrates the schema and returns `Deps` built like an entrypoint does.
 */
import { createSql } from "../db/mod.ts";
import { migrate } from "../db/migrate.ts";
import { createRedis } from "../redis.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { loadConfig } from "../config.ts";
import type { Deps } from "../deps.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface TestEnv {
  deps: Deps;
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, child: Deno.ChildProcess, name: string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not listen on ${port} within 15 s`);
}

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

export async function startTestEnv(): Promise<TestEnv> {
  const dir = await Deno.makeTempDir({ prefix: "zapa-admin-test-" });
  await run("chown", ["postgres:postgres", dir]);
  const asPg = ["--reuid=postgres", "--regid=postgres", "--init-groups"];
  await run("setpriv", [
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
  ]);
  const pgPort = freePort();
  const pg = new Deno.Command("setpriv", {
    args: [
      ...asPg,
      "--pdeathsig",
      "SIGINT",
      `${PG_BIN}/postgres`,
      "-D",
      `${dir}/data`,
      "-p",
      String(pgPort),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(pgPort, pg, "postgres");
  const redisPort = freePort();
  const redisChild = new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGTERM",
      "redis-server",
      "--port",
      String(redisPort),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      "/tmp",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(redisPort, redisChild, "redis");

  const config = loadConfig({
    ZAPA_ENV: "test",
    DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    ZAPA_JWT_SECRET: "user-secret-user-secret-user-secret-0123",
    ZAPA_ADMIN_JWT_SECRET: "admin-secret-admin-secret-admin-secret-01",
    ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
    ZAPA_AUTH_TEST_CODE: "123456",
  });
  const sql = createSql(config.databaseUrl, { max: 4 });
  // The port opens before the server accepts queries ("the database system is starting up").
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await sql`SELECT 1`;
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await migrate(sql);
  const redis = createRedis(config.redisUrl);
  await redis.ping().catch(async () => {
    await new Promise((r) => setTimeout(r, 200));
    await redis.ping();
  });
  const deps: Deps = {
    config,
    sql,
    redis,
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics: new MetricsRegistry(),
  };
  return {
    deps,
    async stop() {
      await sql.end({ timeout: 1 }).catch(() => {});
      redis.disconnect();
      pg.kill("SIGINT");
      redisChild.kill("SIGTERM");
      await pg.status;
      await redisChild.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
