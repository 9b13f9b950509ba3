/**
 * Runs the pipeline workers in a worker thread (`worker_main.ts`) so the HTTP event loop only
 * acknowledges webhooks and serves the admin API. The two threads talk through small messages:
 * start (with the settings the main thread read) and stop, and the `Wake` calls as messages;
 * the worker forwards its metric updates and activity figures back to the main thread's registry.
 */
import type { Config } from "../config.ts";
import type { MetricsRegistry } from "../http/metrics.ts";
import { log } from "../log.ts";
import type { Wake } from "./wake.ts";

export type ToWorker =
  | { type: "start"; config: Config }
  | { type: "stop" }
  | { type: "pending"; userId: number }
  | { type: "kick" }
  | { type: "claimed" };

export type MetricOp =
  | { op: "inc"; name: string; help: string; labels: Record<string, string | number>; by: number }
  | {
    op: "set";
    name: string;
    help: string;
    labels: Record<string, string | number>;
    value: number;
  }
  | {
    op: "observe";
    name: string;
    help: string;
    labels: Record<string, string | number>;
    seconds: number;
  };

export type FromWorker =
  | { type: "started" }
  | { type: "stopped" }
  | { type: "metrics"; ops: MetricOp[]; activity: { agent: number; delivery: number } }
  | { type: "fatal"; error: string };

export class PipelineThread {
  /** Wakes the workers in the thread (the `Wake` of `wake.ts`, as messages). */
  readonly wake: Wake = {
    agent: (userId) => this.#post({ type: "pending", userId }),
    delivery: () => this.#post({ type: "kick" }),
    ingest: () => this.#post({ type: "claimed" }),
  };
  #worker: Worker;
  #activity = { agent: 0, delivery: 0 };
  #stopped: Promise<void>;
  #resolveStopped!: () => void;
  #started = false;
  #stopping = false;
  #running = Promise.withResolvers<void>();

  constructor(private config: Config, private metrics: MetricsRegistry) {
    this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#worker = this.#spawn();
  }

  #spawn(): Worker {
    const worker = new Worker(new URL("./worker_main.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      log.error("pipeline thread failed, restarting it", { error: event.message });
      worker.terminate();
      if (this.#stopping) return this.#resolveStopped();
      // A fresh thread takes over; leases and the sweeper recover whatever was in flight.
      setTimeout(() => {
        if (this.#stopping) return;
        this.#worker = this.#spawn();
        if (this.#started) this.#post({ type: "start", config: this.config });
      }, 1_000);
    };
    return worker;
  }

  #receive(message: FromWorker): void {
    if (message.type === "metrics") {
      this.#activity = message.activity;
      for (const m of message.ops) {
        if (m.op === "inc") this.metrics.inc(m.name, m.help, m.labels, m.by);
        else if (m.op === "set") this.metrics.set(m.name, m.help, m.labels, m.value);
        else this.metrics.observe(m.name, m.help, m.labels, m.seconds);
      }
    } else if (message.type === "started") {
      this.#running.resolve();
    } else if (message.type === "stopped") {
      this.#resolveStopped();
    } else if (message.type === "fatal") {
      log.error("pipeline thread could not start", { error: message.error });
    }
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  start(): void {
    this.#started = true;
    this.#post({ type: "start", config: this.config });
  }

  /**
   * Settles when the thread reports its workers started (the first time). The thread type-checks
   * and loads its modules first, which on a busy machine takes seconds: wait for this fact.
   */
  get running(): Promise<void> {
    return this.#running.promise;
  }

  activity(): { agent: number; delivery: number } {
    return this.#activity;
  }

  /** Asks the workers to finish (bounded), then ends the thread. */
  async stop(timeoutMs = 6_000): Promise<void> {
    this.#stopping = true;
    this.#post({ type: "stop" });
    await Promise.race([this.#stopped, new Promise((r) => setTimeout(r, timeoutMs))]);
    this.#worker.terminate();
  }
}
