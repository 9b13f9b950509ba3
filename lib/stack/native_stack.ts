/**
 * The native stack: PostgreSQL, Redis, the two doubles and both Zapa entrypoints as real
 * processes on this machine, wired by environment with the test profile. Boots the doubles
 * alongside the stores and Zapa once the stores answer, gates each on its health probe
 * (and Zapa on /ready when asked), and can stop,
 * kill, start and restart any of them on the same port while the rest keeps running.
 */

import type { ServiceController, ServiceState } from "./controller.ts";
import { type LaunchPlan, planLaunches } from "./launch_plans.ts";
import { initCluster, postgresUrl, templateName } from "./postgres.ts";
import { portClosed } from "./ports.ts";
import { logEvent, type RunningProcess, stopProcess, tailFile } from "./process.ts";
import { START_DEADLINE_MS, waitHealthy, waitReady } from "./readiness.ts";
import { redisUrl } from "./redis.ts";
import { generateSecrets } from "./secrets.ts";
import {
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

interface Slot extends LaunchPlan {
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
    const { plans, skipped } = planLaunches({
      dir,
      logsDir: this.logsDir,
      wiring: this.wiring,
      services: this.services,
      specs: this.#options.specs,
      root: this.#options.root ?? Deno.cwd(),
      allowMissing: this.#options.allowMissing ?? false,
      env: (extra) => this.#env(extra),
      onEvent: this.#options.onEvent,
    });
    for (const plan of plans) this.#addSlot(plan);
    this.skipped.push(...skipped);
  }

  #addSlot(slot: LaunchPlan): void {
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

  #waitReady(deadline: number): Promise<void> {
    const entrypoints = (["private", "public"] as const).filter((n) => this.#slots.has(n));
    return waitReady(
      entrypoints.map((name) => ({
        service: name,
        url: `http://127.0.0.1:${this.#slot(name).port}/ready`,
        logFile: this.#slot(name).logFile,
      })),
      deadline,
    );
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
