/**
 * Ephemeral PostgreSQL 15 and Redis for Zapa's tests beside the code. Each server is our direct
 * child through `setpriv --pdeathsig`, so nothing outlives a crashed test run, and PostgreSQL runs
 * as the `postgres` user when we are root (initdb refuses root). Both can be stopped and started
 * again on the same port: PostgreSQL keeps its data, Redis comes back empty. Written for Zapa alone
 * (it borrows nothing from the harness), so a swapped-in Zapa takes its test kit with it.
 */
import { createSql, type Sql } from "../db/mod.ts";
import { migrate } from "../db/migrate.ts";

const pgBin = () => Deno.env.get("ZAPA_PG_BIN") || "/usr/lib/postgresql/15/bin";
const INITDB_ARGS = "-U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync".split(" ");
/** setpriv options that drop to the postgres user when we are root. */
const asPostgres = () =>
  Deno.uid() === 0 ? ["--reuid=postgres", "--regid=postgres", "--init-groups"] : [];

/**
 * A pristine cluster to copy: initdb takes about half a second, `cp -a` a tenth of that. Its name
 * carries the binaries and initdb's arguments, so a stale copy is never used.
 */
function templateDir(): string {
  const key = [...`${pgBin()} ${INITDB_ARGS.join(" ")}`]
    .reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) >>> 0, 7);
  return `${Deno.cwd()}/.zapa/cache/zapa-test-pg-${key.toString(36)}`;
}

/** A port the kernel considers free right now on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

async function logTail(logFile: string | undefined, lines = 20): Promise<string> {
  if (!logFile) return "";
  const text = await Deno.readTextFile(logFile).catch(() => "");
  return "\n" + text.trimEnd().split("\n").slice(-lines).join("\n");
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
        throw new Error(
          `${what} did not accept connections on ${port}${await logTail(options.logFile)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A server child: its output appended to `logFile`, killed with `deathSignal` when we die. */
class Child {
  readonly #process: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;

  constructor(
    command: string,
    args: string[],
    options: { cwd: string; logFile: string; deathSignal: Deno.Signal; setpriv?: string[] },
  ) {
    this.#process = new Deno.Command("setpriv", {
      args: [...options.setpriv ?? [], "--pdeathsig", options.deathSignal, command, ...args],
      cwd: options.cwd,
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A pipe left unread blocks the child once full: both streams drain into the log.
    const append = async (stream: ReadableStream<Uint8Array>) =>
      await stream.pipeTo(
        (await Deno.open(options.logFile, { append: true, create: true })).writable,
      ).catch(() => {});
    this.exited = Promise.all([
      this.#process.status,
      append(this.#process.stdout),
      append(this.#process.stderr),
    ]).then(([status]) => status);
  }

  /** `signal`, then SIGKILL if it has not gone within five seconds. */
  async stop(signal: Deno.Signal): Promise<void> {
    const kill = (s: Deno.Signal) => {
      try {
        this.#process.kill(s);
      } catch {
        // Already gone.
      }
    };
    kill(signal);
    const timer = setTimeout(() => kill("SIGKILL"), 5_000);
    await this.exited.finally(() => clearTimeout(timer));
  }
}

async function run(command: string, ...args: string[]): Promise<void> {
  const result = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
}

/** A new cluster in `data`: a copy of the template, else initdb, whose result becomes it. */
async function initCluster(dir: string, data: string, logFile: string): Promise<void> {
  const template = templateDir();
  if (asPostgres().length) await run("chown", "postgres:postgres", dir);
  if (await Deno.stat(`${template}/global/pg_control`).then(() => true, () => false)) {
    return await run("cp", "-a", template, data);
  }
  const initdb = new Child(`${pgBin()}/initdb`, ["-D", data, ...INITDB_ARGS], {
    cwd: dir,
    logFile,
    deathSignal: "SIGKILL",
    setpriv: asPostgres(),
  });
  if (!(await initdb.exited).success) throw new Error(`initdb failed${await logTail(logFile)}`);
  // Copied under a private name, then renamed: a concurrent test never sees half a template.
  // Another test caching it first, or a read-only cache, only costs the next test an initdb.
  const partial = `${template}.${crypto.randomUUID()}`;
  await Deno.mkdir(template.slice(0, template.lastIndexOf("/")), { recursive: true });
  await run("cp", "-a", data, partial).then(() => Deno.rename(partial, template))
    .catch(() => Deno.remove(partial, { recursive: true }).catch(() => {}));
}

export class TestPostgres {
  #server: Child | null = null;
  readonly url: string;
  readonly logFile: string;

  private constructor(readonly dir: string, readonly port: number) {
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.logFile = `${dir}/postgres.log`;
  }

  /** A fresh cluster on a free port, started and (unless told otherwise) migrated. */
  static async create(options: { migrate?: boolean } = {}): Promise<TestPostgres> {
    const dir = await Deno.makeTempDir({ prefix: "zapa-test-pg-" });
    await Deno.chmod(dir, 0o755);
    const pg = new TestPostgres(dir, freePort());
    try {
      await initCluster(dir, `${dir}/data`, pg.logFile);
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

  /** Starts the server (again) and waits until it answers queries. */
  async start(): Promise<void> {
    // fsync and friends off: a test cluster is thrown away, never recovered.
    const settings = [
      "listen_addresses=127.0.0.1",
      "fsync=off",
      "synchronous_commit=off",
      "full_page_writes=off",
      "max_connections=200",
    ];
    this.#server = new Child(
      `${pgBin()}/postgres`,
      [
        "-D",
        `${this.dir}/data`,
        "-p",
        `${this.port}`,
        "-k",
        this.dir,
        ...settings.flatMap((s) => ["-c", s]),
      ],
      // SIGINT is fast shutdown; SIGTERM (smart) would wait for every client to leave.
      { cwd: this.dir, logFile: this.logFile, deathSignal: "SIGINT", setpriv: asPostgres() },
    );
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
    await this.#server?.stop("SIGINT");
    this.#server = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

export class TestRedis {
  #server: Child | null = null;
  readonly url: string;

  private constructor(readonly dir: string, readonly port: number) {
    this.url = `redis://127.0.0.1:${port}/0`;
  }

  static async create(): Promise<TestRedis> {
    const redis = new TestRedis(await Deno.makeTempDir({ prefix: "zapa-test-redis-" }), freePort());
    await redis.start();
    return redis;
  }

  /** Starts an empty server on the same port: no RDB, no AOF, so nothing survives a stop. */
  async start(): Promise<void> {
    const logFile = `${this.dir}/redis.log`;
    const args = [
      "--save",
      "",
      ...`--port ${this.port} --bind 127.0.0.1 --appendonly no`.split(" "),
    ];
    this.#server = new Child("redis-server", [...args, "--dir", this.dir], {
      cwd: this.dir,
      logFile,
      deathSignal: "SIGKILL",
    });
    await waitForPort(this.port, "redis", { logFile });
  }

  /** Kills the server: nothing is saved, a restart comes back empty. */
  async stop(): Promise<void> {
    await this.#server?.stop("SIGKILL");
    this.#server = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Heap rows of `table` that `fn` read on `one` (a single-connection client, as statistics are
 * counted per backend: flushed before and after): what its statements cost in rows, whatever
 * plan they got. A plan that scans the table instead of probing an index shows as its size.
 */
export async function rowsRead(
  one: Sql,
  table: string,
  fn: () => Promise<unknown>,
): Promise<number> {
  const read = async () => {
    await one`SELECT pg_stat_force_next_flush()`;
    await one`SELECT pg_stat_clear_snapshot()`;
    const [row] = await one<{ n: string }[]>`
      SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n
        FROM pg_stat_user_tables WHERE relname = ${table}`;
    return Number(row!.n);
  };
  const before = await read();
  await fn();
  return (await read()) - before;
}
