/**
 * Ephemeral PostgreSQL 15 and Redis for Zapa's tests beside the code, built from the stack
 * harness's own parts (`lib/stack/`): the same server flags, the cached template cluster (a copy
 * instead of initdb), children run through `setpriv --pdeathsig` so nothing outlives a crashed
 * test run, output kept in a log file in the server's temp dir. Both can be stopped and started
 * again on the same port: PostgreSQL keeps its data, Redis comes back empty.
 */
import { createSql } from "../db/mod.ts";
import { migrate } from "../db/migrate.ts";
import { initCluster, postgresUrl, spawnPostgres, templateName } from "../../lib/stack/postgres.ts";
import { redisUrl, spawnRedis } from "../../lib/stack/redis.ts";
import { type RunningProcess, stopProcess, tailFile } from "../../lib/stack/process.ts";
import { freePort } from "../../lib/stack/ports.ts";

export { freePort };

/** What the servers need from our environment (spawnLogged inherits nothing). */
function serverEnv(): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", LANG: "C.UTF-8" };
}

/** Resolves once `port` accepts TCP connections; the error names the log to read. */
export async function waitForPort(
  port: number,
  what: string,
  options: { timeoutMs?: number; logFile?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      if (Date.now() > deadline) {
        const log = options.logFile ? `\n${await tailFile(options.logFile, 20)}` : "";
        throw new Error(`${what} did not accept connections on ${port}${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export class TestPostgres {
  #server: RunningProcess | null = null;
  readonly url: string;
  readonly logFile: string;

  private constructor(readonly dir: string, readonly port: number) {
    this.url = postgresUrl(port);
    this.logFile = `${dir}/postgres.log`;
  }

  /** A fresh cluster on a free port, started and (unless told otherwise) migrated. */
  static async create(options: { migrate?: boolean } = {}): Promise<TestPostgres> {
    const dir = await Deno.makeTempDir({ prefix: "zapa-test-pg-" });
    await Deno.chmod(dir, 0o755);
    const pg = new TestPostgres(dir, freePort());
    try {
      await initCluster(pg.#layout(), serverEnv(), {
        templateDir: `${Deno.cwd()}/.zapa/cache/${await templateName()}`,
      });
      await pg.start();
      if (options.migrate ?? true) {
        const sql = createSql(pg.url, { max: 1 });
        try {
          await migrate(sql);
        } finally {
          await sql.end({ timeout: 1 });
        }
      }
    } catch (error) {
      await pg.destroy();
      throw error;
    }
    return pg;
  }

  #layout() {
    return { dir: this.dir, data: `${this.dir}/data`, port: this.port, logFile: this.logFile };
  }

  /** Starts the server (again) and waits until it answers queries. */
  async start(): Promise<void> {
    this.#server = await spawnPostgres(this.#layout(), serverEnv());
    await waitForPort(this.port, "postgres", { logFile: this.logFile });
    // The port opens before the server takes queries ("the database system is starting up").
    const sql = createSql(this.url, { max: 1 });
    const deadline = Date.now() + 15_000;
    try {
      while (true) {
        try {
          await sql`SELECT 1`;
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** Fast shutdown (SIGINT): connections are cut, data is kept. */
  async stop(): Promise<void> {
    if (this.#server) await stopProcess(this.#server, { signal: "SIGINT" });
    this.#server = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

export class TestRedis {
  #server: RunningProcess | null = null;
  readonly url: string;

  private constructor(readonly dir: string, readonly port: number) {
    this.url = redisUrl(port);
  }

  static async create(): Promise<TestRedis> {
    const redis = new TestRedis(await Deno.makeTempDir({ prefix: "zapa-test-redis-" }), freePort());
    await redis.start();
    return redis;
  }

  /** Starts an empty server on the same port. */
  async start(): Promise<void> {
    const logFile = `${this.dir}/redis.log`;
    this.#server = await spawnRedis({ port: this.port, dir: this.dir, logFile, env: serverEnv() });
    await waitForPort(this.port, "redis", { logFile });
  }

  /** Kills the server: nothing is saved, a restart comes back empty. */
  async stop(): Promise<void> {
    if (this.#server) await stopProcess(this.#server, { signal: "SIGKILL" });
    this.#server = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
