/**
 * Benchmark worker: its own thread and event loop, so the runner's log draining does not delay
 * the sender. Resolves the stack from ZAPA_STACK_FILE (set by the runner before it starts the
 * worker), runs one benchmark's setup, then its runs; with a ceiling port, each run of Zapa is
 * followed by the same run against the ceiling loop and a PostgreSQL commit-rate probe, so the
 * three are measured interleaved, under the same conditions.
 */
/// <reference lib="deno.worker" />
import { target } from "../../../lib/fixtures.ts";
import { concurrency } from "./concurrency.ts";
import type { Bench } from "./measure.ts";
import { pgCommitRate } from "./pg_ceiling.ts";
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
  /** Port of the ceiling loop (ceiling_receiver.ts); absent: Zapa only. */
  ceilingPort?: number;
}

export type RunKind = "zapa" | "ceiling" | "pg";

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { name, params, ceilingPort } = event.data;
  try {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}`);
    const t0 = performance.now();
    const state = await bench.setup(params);
    self.postMessage({ type: "setup", ms: Math.round(performance.now() - t0) });
    // Unrecorded runs first where a fresh stack's first run is not like the others (JIT, a
    // thousand new connections): concurrency's first run gave 2.3–2.8 × the warm ones.
    for (let i = 0; i < (params.warmup_runs ?? 0); i++) await bench.run(state, params, -1 - i);
    for (let i = 0; i < (params.runs ?? 2); i++) {
      const post = (kind: RunKind, result: unknown) =>
        self.postMessage({ type: "run", index: i, kind, result });
      post("zapa", await bench.run(state, params, i));
      if (ceilingPort === undefined) continue;
      post("ceiling", await bench.run(state, params, i, `http://127.0.0.1:${ceilingPort}/`));
      if (target.database) post("pg", await pgCommitRate(target.database));
    }
    self.postMessage({ type: "done" });
  } catch (error) {
    self.postMessage({
      type: "error",
      message: error instanceof Error ? error.stack : String(error),
    });
  }
};
