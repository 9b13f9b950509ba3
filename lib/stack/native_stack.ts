/**
 * The native stack: PostgreSQL, Redis, the two doubles and both Zapa entrypoints as real
 * processes on this machine, wired by environment with the test profile. Boots the stores
 * first and the four Deno services together, gates each on its health probe, and can stop,
 * kill, start and restart any of them on the same port while the rest keeps running.
 */

import type { ServiceController, ServiceState } from "./controller.ts";
import { initCluster, postgresUrl, spawnPostgres, templateName } from "./postgres.ts";
import { portClosed } from "./ports.ts";
import { logEvent, type RunningProcess, spawnLogged, stopProcess, tailFile } from "./process.ts";
import {
  httpProbe,
  postgresProbe,
  type Probe,
  redisProbe,
  ServiceStartError,
  START_DEADLINE_MS,
  waitHealthy,
} from "./readiness.ts";
import { redisUrl, spawnRedis } from "./redis.ts";
import { generateSecrets } from "./secrets.ts";
import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  type DenoServiceName,
  type DenoServiceSpec,
  SERVICE_NAMES,
  type ServiceName,
  type StackPorts,
  type StackSecrets,
  type Wiring,
} from "./services.ts";
import { makeStackTempDir, type StackTempDir, sweepStaleTempDirs } from "./temp_dirs.ts";

export interface NativeStackOptions {
  ports: StackPorts;
  /** Folder for one log file per service (created). */
  logsDir: string;
  /** Working directory of the Deno services: the repository root (default: cwd). */
  root?: string;
  /** Services to run (default: all six). */
  services?: readonly ServiceName[];
  /** Skip Deno services whose entry file does not exist, with a warning (development only). */
  allowMissing?: boolean;
  /** Replacement launch specs (tests use a fake service). */
  specs?: Partial<Record<DenoServiceName, DenoServiceSpec>>;
  startTimeoutMs?: number;
  /** Also wait for `/ready` of both Zapa entrypoints before the boot counts as done. */
  waitReady?: boolean;
  /** Warnings and unexpected exits, one line each. */
  onEvent?: (line: string) => void;
  /** Folder for the cached pristine PostgreSQL cluster (null: always initdb). Default: .zapa/cache. */
  cacheDir?: string | null;
  /** Environment passed to every child besides the wiring (PATH, HOME, DENO_DIR…). */
  baseEnv?: Record<string, string>;
}

interface Slot {
  name: ServiceName;
  port: number;
  logFile: string;
  stopSignal: Deno.Signal;
  spawn: () => Promise<RunningProcess>;
  probe: Probe;
  /** PostgreSQL may refuse to start while a killed predecessor's backends still exit. */
  retryEarlyExit: boolean;
  proc: RunningProcess | null;
  expectingExit: boolean;
  queue: Promise<unknown>;
}

export class NativeStack implements ServiceController {
  readonly secrets: StackSecrets = generateSecrets();
  readonly ports: StackPorts;
  readonly database_url: string;
  readonly redis_url: string;
  readonly services: ServiceName[];
  readonly skipped: ServiceName[] = [];
  #temp: StackTempDir | null = null;
  boot_ms = 0;
  readonly #slots = new Map<ServiceName, Slot>();
  readonly #options: NativeStackOptions;
  #tornDown = false;
  #teardown: Promise<void> | null = null;

  constructor(options: NativeStackOptions) {
    this.#options = options;
    this.ports = options.ports;
    this.database_url = postgresUrl(options.ports.postgres);
    this.redis_url = redisUrl(options.ports.redis);
    this.services = [...(options.services ?? SERVICE_NAMES)];
  }

  get wiring(): Wiring {
    return {
      ports: this.ports,
      secrets: this.secrets,
      database_url: this.database_url,
      redis_url: this.redis_url,
    };
  }

  /** The temp dir (PostgreSQL data, sockets), null before boot. */
  get dir(): string | null {
    return this.#temp?.path ?? null;
  }

  get logsDir(): string {
    return this.#options.logsDir;
  }

  #deadline(): number {
    return performance.now() + (this.#options.startTimeoutMs ?? START_DEADLINE_MS);
  }

  #env(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.#options.baseEnv, ...extra };
  }

  /** Boots every service; on failure tears down what started and rethrows. */
  async boot(): Promise<void> {
    const started = performance.now();
    try {
      await sweepStaleTempDirs();
      this.#temp = await makeStackTempDir();
      const dir = this.#temp.path;
      await Deno.mkdir(this.logsDir, { recursive: true });
      this.#planSlots(dir);
      const deadline = this.#deadline();
      const start = (name: ServiceName) => this.#startSlot(this.#slots.get(name)!, deadline);
      const present = (names: readonly ServiceName[]) => names.filter((n) => this.#slots.has(n));
      // The doubles depend on nothing: they start while PostgreSQL is being created. Zapa
      // starts once the stores answer, so its first connection attempts succeed.
      const doubles = Promise.all(present(["bridge", "llm"]).map(start));
      const stores = (async () => {
        if (this.#slots.has("postgres")) {
          const slot = this.#slots.get("postgres")!;
          await initCluster(
            { dir, data: `${dir}/pgdata`, port: slot.port, logFile: slot.logFile },
            this.#env(),
            { templateDir: await this.#templateDir() },
          );
        }
        await Promise.all(present(["postgres", "redis"]).map(start));
      })();
      const zapa = stores.then(() => Promise.all(present(["private", "public"]).map(start)));
      const results = await Promise.allSettled([doubles, stores, zapa]);
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw (failure as PromiseRejectedResult).reason;
      if (this.#options.waitReady) await this.#waitReady(deadline);
      this.boot_ms = Math.round(performance.now() - started);
    } catch (error) {
      await this.teardown();
      throw error;
    }
  }

  async #templateDir(): Promise<string | null> {
    const cache = this.#options.cacheDir === undefined
      ? `${this.#options.root ?? Deno.cwd()}/.zapa/cache`
      : this.#options.cacheDir;
    return cache === null ? null : `${cache}/${await templateName()}`;
  }

  #planSlots(dir: string): void {
    const logFile = (name: string) => `${this.logsDir}/${name}.log`;
    const want = new Set(this.services);
    if (want.has("postgres")) {
      const layout = {
        dir,
        data: `${dir}/pgdata`,
        port: this.ports.postgres,
        logFile: logFile("postgres"),
      };
      this.#addSlot({
        name: "postgres",
        port: this.ports.postgres,
        logFile: layout.logFile,
        stopSignal: "SIGINT",
        spawn: () => spawnPostgres(layout, this.#env()),
        probe: postgresProbe(this.database_url),
        retryEarlyExit: true,
      });
    }
    if (want.has("redis")) {
      const redisDir = `${dir}/redis`;
      Deno.mkdirSync(redisDir, { recursive: true });
      this.#addSlot({
        name: "redis",
        port: this.ports.redis,
        logFile: logFile("redis"),
        stopSignal: "SIGTERM",
        spawn: () =>
          spawnRedis({
            port: this.ports.redis,
            dir: redisDir,
            logFile: logFile("redis"),
            env: this.#env(),
          }),
        probe: redisProbe(this.ports.redis),
        retryEarlyExit: false,
      });
    }
    const root = this.#options.root ?? Deno.cwd();
    for (const name of DENO_SERVICES) {
      if (!want.has(name)) continue;
      const spec = this.#options.specs?.[name] ?? DENO_SERVICE_SPECS[name];
      if (!entryExists(`${root}/${spec.entry}`)) {
        if (!this.#options.allowMissing) {
          throw new Error(`${name}: entry file ${spec.entry} does not exist`);
        }
        this.#options.onEvent?.(
          `WARNING: ${name} is NOT running: ${spec.entry} does not exist yet (allowed in development only)`,
        );
        this.skipped.push(name);
        continue;
      }
      const port = this.ports[spec.port];
      this.#addSlot({
        name,
        port,
        logFile: logFile(name),
        stopSignal: "SIGTERM",
        spawn: async () => {
          await logEvent(logFile(name), { msg: `starting ${name}`, port });
          return await spawnLogged({
            command: Deno.execPath(),
            args: ["run", ...spec.flags, spec.entry],
            env: this.#env(spec.env(this.wiring)),
            cwd: root,
            logFile: logFile(name),
          });
        },
        probe: httpProbe(`http://127.0.0.1:${port}${spec.health_path}`),
        retryEarlyExit: false,
      });
    }
  }

  #addSlot(slot: Omit<Slot, "proc" | "expectingExit" | "queue">): void {
    this.#slots.set(slot.name, {
      ...slot,
      proc: null,
      expectingExit: false,
      queue: Promise.resolve(),
    });
  }

  #slot(name: ServiceName): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw new Error(`${name} is not part of this stack`);
    return slot;
  }

  /** Runs operations on one service one at a time. */
  #serial<T>(slot: Slot, operation: () => Promise<T>): Promise<T> {
    const next = slot.queue.then(operation, operation);
    slot.queue = next.catch(() => {});
    return next;
  }

  async #startSlot(slot: Slot, deadline: number): Promise<void> {
    if (slot.proc && !slot.proc.status) return;
    while (true) {
      if (this.#tornDown) throw new Error(`${slot.name} not started: the stack is shutting down`);
      slot.expectingExit = false;
      const proc = await slot.spawn();
      slot.proc = proc;
      proc.exited.then((status) => {
        if (slot.proc !== proc || slot.expectingExit || this.#tornDown) return;
        this.#options.onEvent?.(
          `${slot.name} exited unexpectedly (code ${status.code}${
            status.signal ? `, ${status.signal}` : ""
          }); log: ${slot.logFile}`,
        );
      });
      try {
        await waitHealthy({
          service: slot.name,
          probe: slot.probe,
          process: proc,
          logFile: slot.logFile,
          deadline,
        });
        await logEvent(slot.logFile, { msg: `${slot.name} healthy`, pid: proc.pid });
        return;
      } catch (error) {
        slot.expectingExit = true;
        await stopProcess(proc, { signal: "SIGKILL", graceMs: 0 });
        const retry = slot.retryEarlyExit && !this.#tornDown && performance.now() < deadline;
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async #stopSlot(slot: Slot, signal: Deno.Signal, graceMs: number): Promise<void> {
    const proc = slot.proc;
    if (proc && !proc.status) {
      slot.expectingExit = true;
      const status = await stopProcess(proc, { signal, graceMs });
      await logEvent(slot.logFile, {
        msg: `${slot.name} stopped`,
        signal,
        code: status.code,
      });
    }
    const deadline = performance.now() + 5_000;
    while (!(await portClosed(slot.port)) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #waitReady(deadline: number): Promise<void> {
    const entrypoints = (["private", "public"] as const).filter((n) => this.#slots.has(n));
    await Promise.all(entrypoints.map(async (name) => {
      const url = `http://127.0.0.1:${this.#slot(name).port}/ready`;
      let last = "";
      while (true) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          last = `${response.status} ${(await response.text()).slice(0, 500)}`;
          if (response.ok || response.status === 404) return;
        } catch (error) {
          last = (error as Error).message;
        }
        if (performance.now() >= deadline) {
          throw new ServiceStartError(
            name,
            `did not become ready within ${
              START_DEADLINE_MS / 1000
            } s; last /ready answer: ${last}`,
            await tailFile(this.#slot(name).logFile, 40),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }));
  }

  list(): Promise<ServiceState[]> {
    return Promise.resolve(SERVICE_NAMES.map((name) => {
      const slot = this.#slots.get(name);
      const running = !!slot?.proc && !slot.proc.status;
      const port = slot?.port ?? this.ports[name];
      return {
        name,
        state: running ? "running" : "stopped",
        pid: running ? slot!.proc!.pid : null,
        port,
      };
    }));
  }

  stop(name: ServiceName): Promise<void> {
    const slot = this.#slot(name);
    return this.#serial(slot, () => this.#stopSlot(slot, slot.stopSignal, 5_000));
  }

  kill(name: ServiceName): Promise<void> {
    const slot = this.#slot(name);
    return this.#serial(slot, () => this.#stopSlot(slot, "SIGKILL", 0));
  }

  start(name: ServiceName): Promise<void> {
    const slot = this.#slot(name);
    return this.#serial(slot, () => this.#startSlot(slot, this.#deadline()));
  }

  restart(name: ServiceName): Promise<void> {
    const slot = this.#slot(name);
    return this.#serial(slot, async () => {
      await this.#stopSlot(slot, slot.stopSignal, 5_000);
      await this.#startSlot(slot, this.#deadline());
    });
  }

  logs(name: ServiceName, lines: number): Promise<string> {
    return tailFile(`${this.logsDir}/${name}.log`, lines);
  }

  /** Stops everything (Deno services first, then the stores) and removes the temp dir. */
  teardown(): Promise<void> {
    this.#tornDown = true;
    return this.#teardown ??= this.#stopEverything();
  }

  async #stopEverything(): Promise<void> {
    const stopAll = (names: readonly ServiceName[]) =>
      Promise.all(
        names.filter((n) => this.#slots.has(n)).map((name) => {
          const slot = this.#slot(name);
          return this.#stopSlot(slot, slot.stopSignal, 3_000).catch(() => {});
        }),
      );
    await stopAll(DENO_SERVICES);
    await stopAll(["postgres", "redis"]);
    await this.#temp?.remove();
  }
}

function entryExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
