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
import { freePort, portClosed } from "./ports.ts";
import {
  type Instance,
  layoutInstances,
  needsProxy,
  type ReplicaCounts,
  resolveInstances,
  SINGLE,
} from "./replicas.ts";
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
  /** Extra PostgreSQL server settings (a profiled bench loads pg_stat_statements). */
  postgresSettings?: Record<string, string>;
  startTimeoutMs?: number;
  /** Deadline of a start through service control (start, restart); default startTimeoutMs. */
  controlStartTimeoutMs?: number;
  /** Also wait for `/ready` of both Zapa entrypoints before the boot counts as done. */
  waitReady?: boolean;
  /** Warnings and unexpected exits, one line each. */
  onEvent?: (line: string) => void;
  /** Folder for the cached pristine PostgreSQL cluster (null: always initdb). Default: .zapa/cache. */
  cacheDir?: string | null;
  /** Environment passed to every child besides the wiring (PATH, HOME, DENO_DIR…). */
  baseEnv?: Record<string, string>;
  /** Instances per Zapa entrypoint (default 1 each: no proxy). */
  replicas?: ReplicaCounts;
  /** Entries each bridge journal keeps (the bridge's default when absent). */
  bridgeJournalLimit?: number;
}

/** Thrown for a service-control name that matches no service or instance of the stack. */
export class UnknownServiceError extends Error {
  override name = "UnknownServiceError";
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
  readonly #slots = new Map<string, Slot>();
  /** Instances of each Zapa entrypoint; with replicas the proxy holds the entrypoint's port. */
  readonly instances: Record<"private" | "public", Instance[]>;
  readonly replicas: ReplicaCounts;
  readonly #bridgeJournalLimit: number | undefined;
  readonly #options: NativeStackOptions;
  #tornDown = false;
  #teardown: Promise<void> | null = null;

  constructor(options: NativeStackOptions) {
    this.#options = options;
    this.ports = options.ports;
    this.database_url = postgresUrl(options.ports.postgres);
    this.redis_url = redisUrl(options.ports.redis);
    this.services = [...(options.services ?? SERVICE_NAMES)];
    this.replicas = options.replicas ?? SINGLE;
    this.#bridgeJournalLimit = options.bridgeJournalLimit;
    this.instances = layoutInstances(this.replicas, options.ports, freePort);
  }

  /** Whether a reverse proxy fronts the replicated entrypoints. */
  get proxied(): boolean {
    return needsProxy(this.replicas);
  }

  get wiring(): Wiring {
    return {
      ports: this.ports,
      secrets: this.secrets,
      database_url: this.database_url,
      redis_url: this.redis_url,
      bridge_journal_limit: this.#bridgeJournalLimit,
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

  #controlDeadline(): number {
    const ms = this.#options.controlStartTimeoutMs ?? this.#options.startTimeoutMs;
    return performance.now() + (ms ?? START_DEADLINE_MS);
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
      const start = (name: string) => this.#startSlot(this.#slots.get(name)!, deadline);
      const present = (names: readonly string[]) => names.filter((n) => this.#slots.has(n));
      const zapaInstances = [...this.instances.private, ...this.instances.public]
        .map((i) => i.name).filter((n) => this.#slots.has(n));
      // The doubles depend on nothing: they start while PostgreSQL is being created. Zapa
      // starts once the stores answer, so its first connection attempts succeed.
      const doubles = Promise.all(present(["bridge", "llm", "proxy"]).map(start));
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
      // With replicas, the first instance of each entrypoint starts alone: it fills Deno's
      // compile cache, so the others (started together once it is healthy) start in about a
      // second instead of all compiling at once on a busy machine.
      const firsts = zapaInstances.filter((n) => !/#[2-9]$/.test(n));
      const rest = zapaInstances.filter((n) => /#[2-9]$/.test(n));
      const zapa = stores.then(async () => {
        await Promise.all(firsts.map(start));
        const again = this.#deadline();
        await Promise.all(rest.map((name) => this.#startSlot(this.#slots.get(name)!, again)));
      });
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
      postgresSettings: this.#options.postgresSettings,
      root: this.#options.root ?? Deno.cwd(),
      allowMissing: this.#options.allowMissing ?? false,
      env: (extra) => this.#env(extra),
      onEvent: this.#options.onEvent,
      instances: this.instances,
      proxied: this.#proxied(),
    });
    for (const plan of plans) this.#addSlot(plan);
    this.skipped.push(...skipped);
  }

  /** The entrypoints the proxy fronts: those with more than one instance. */
  #proxied() {
    return (["private", "public"] as const)
      .filter((name) => this.services.includes(name) && this.instances[name].length > 1)
      .map((name) => ({
        name,
        port: this.ports[name],
        instances: this.instances[name],
        replayable: name === "private" ? ["/api/v1/webhooks/"] : [],
      }));
  }

  #addSlot(slot: LaunchPlan): void {
    this.#slots.set(slot.name, {
      ...slot,
      proc: null,
      expectingExit: false,
      queue: Promise.resolve(),
    });
  }

  #slot(name: string): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw new UnknownServiceError(`${name} is not part of this stack`);
    return slot;
  }

  /** The slots a service-control name means: one, or every instance of an entrypoint. */
  #targets(name: string): Slot[] {
    const names = resolveInstances(name, [...this.#slots.keys()]);
    if (names.length === 0) throw new UnknownServiceError(`unknown service ${name}`);
    return names.map((n) => this.#slot(n));
  }

  knows(name: string): boolean {
    return resolveInstances(name, [...this.#slots.keys()]).length > 0;
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

  /** Every Zapa instance is ready, and so is each entrypoint as seen through the proxy. */
  #waitReady(deadline: number): Promise<void> {
    const instances = [...this.instances.private, ...this.instances.public]
      .filter((i) => this.#slots.has(i.name));
    const throughProxy = this.#proxied().map((e) => ({
      service: `proxy (${e.name})`,
      url: `http://127.0.0.1:${e.port}/ready`,
      logFile: this.#slot("proxy").logFile,
    }));
    return waitReady(
      [
        ...instances.map((i) => ({
          service: i.name,
          url: `http://127.0.0.1:${i.port}/ready`,
          logFile: this.#slot(i.name).logFile,
        })),
        ...throughProxy,
      ],
      deadline,
    );
  }

  /** Every service, each Zapa instance on its own, and the proxy when there is one. */
  list(): Promise<ServiceState[]> {
    const names: string[] = SERVICE_NAMES.flatMap((name) =>
      name === "private" || name === "public" ? this.instances[name].map((i) => i.name) : [name]
    );
    if (this.#slots.has("proxy")) names.push("proxy");
    return Promise.resolve(names.map((name) => {
      const slot = this.#slots.get(name);
      const running = !!slot?.proc && !slot.proc.status;
      const port = slot?.port ?? this.ports[name as ServiceName];
      return {
        name,
        state: running ? "running" : "stopped",
        pid: running ? slot!.proc!.pid : null,
        port,
      };
    }));
  }

  /** Runs `operation` on every slot `name` means, one after the other. */
  async #each(name: string, operation: (slot: Slot) => Promise<void>): Promise<void> {
    for (const slot of this.#targets(name)) await this.#serial(slot, () => operation(slot));
  }

  stop(name: string): Promise<void> {
    return this.#each(
      name,
      (slot) => this.#stopSlot(slot, slot.stopSignal, slot.stopGraceMs ?? 5_000),
    );
  }

  kill(name: string): Promise<void> {
    // All at once: `kill private` is a crash of every instance, not one after the other.
    return Promise.all(
      this.#targets(name).map((slot) =>
        this.#serial(slot, () => this.#stopSlot(slot, "SIGKILL", 0))
      ),
    ).then(() => {});
  }

  start(name: string): Promise<void> {
    return Promise.all(
      this.#targets(name).map((slot) =>
        this.#serial(slot, () => this.#startSlot(slot, this.#controlDeadline()))
      ),
    ).then(() => {});
  }

  restart(name: string): Promise<void> {
    return this.#each(name, async (slot) => {
      await this.#stopSlot(slot, slot.stopSignal, slot.stopGraceMs ?? 5_000);
      await this.#startSlot(slot, this.#controlDeadline());
    });
  }

  /** The log tail of a service; for several instances, each one's under its name. */
  async logs(name: string, lines: number): Promise<string> {
    const slots = this.#targets(name);
    if (slots.length === 1) return await tailFile(slots[0]!.logFile, lines);
    const parts = await Promise.all(
      slots.map(async (slot) => `--- ${slot.name} ---\n${await tailFile(slot.logFile, lines)}`),
    );
    return parts.join("\n");
  }

  /** Stops everything (Deno services first, then the stores) and removes the temp dir. */
  teardown(): Promise<void> {
    this.#tornDown = true;
    return this.#teardown ??= this.#stopEverything();
  }

  async #stopEverything(): Promise<void> {
    const stopAll = (names: readonly string[]) =>
      Promise.all(
        names.filter((n) => this.#slots.has(n)).map((name) => {
          const slot = this.#slot(name);
          return this.#stopSlot(slot, slot.stopSignal, 3_000).catch(() => {});
        }),
      );
    const zapa = [...this.instances.private, ...this.instances.public].map((i) => i.name);
    await stopAll([...DENO_SERVICES.filter((n) => n !== "private" && n !== "public"), ...zapa]);
    await stopAll(["proxy"]);
    await stopAll(["postgres", "redis"]);
    await this.#temp?.remove();
  }
}
