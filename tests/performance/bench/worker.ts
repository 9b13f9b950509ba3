/**
 * Benchmark worker: its own thread and event loop, so the runner's log draining does not delay
 * the sender. Resolves the stack from ZAPA_STACK_FILE (set by the runner before it starts the
 * worker), runs one benchmark's setup and runs, and posts each result back.
 */
/// <reference lib="deno.worker" />
import { concurrency } from "./concurrency.ts";
import type { Bench } from "./measure.ts";
import { roundTrip } from "./round_trip.ts";
import { throughput } from "./throughput.ts";
import { webhookAck } from "./webhook_ack.ts";

const BENCHES: Record<string, Bench<never>> = {
  webhook_ack: webhookAck as Bench<never>,
  round_trip: roundTrip as Bench<never>,
  throughput: throughput as Bench<never>,
  concurrency: concurrency as Bench<never>,
};

export interface WorkerRequest {
  name: string;
  params: Record<string, number>;
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { name, params } = event.data;
  try {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}`);
    const t0 = performance.now();
    const state = await bench.setup(params);
    self.postMessage({ type: "setup", ms: Math.round(performance.now() - t0) });
    for (let i = 0; i < (params.runs ?? 2); i++) {
      const result = await bench.run(state, params, i);
      self.postMessage({ type: "run", index: i, result });
    }
    self.postMessage({ type: "done" });
  } catch (error) {
    self.postMessage({
      type: "error",
      message: error instanceof Error ? error.stack : String(error),
    });
  }
};
