/**
 * Benchmark worker: its own thread and event loop, so the runner's log draining does not delay
 * the sender. Resolves the stack from ZAPA_STACK_FILE (set by the runner before it starts the
 * worker), runs one benchmark's setup, then its runs; with the ceiling loop, each run of Zapa
 * is paired with the same run against the loop (alternating with it slice by slice where the
 * benchmark can, else right after it) and followed by a PostgreSQL commit-rate probe, so the
 * three are measured under the same conditions.
 */
/// <reference lib="deno.worker" />
import { target } from "../../../lib/fixtures.ts";
import { concurrency } from "./concurrency.ts";
import type { LoadTarget } from "./load.ts";
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
  /** The ceiling loop (ceiling_receiver.ts and its own bridge); absent: Zapa only. */
  ceiling?: LoadTarget;
}

export type RunKind = "zapa" | "ceiling" | "pg";

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { name, params, ceiling } = event.data;
  try {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}`);
    const t0 = performance.now();
    const state = await bench.setup(params);
    self.postMessage({ type: "setup", ms: Math.round(performance.now() - t0) });
    // One run of Zapa, paired with one of the ceiling loop when there is one.
    const once = async (i: number) => {
      if (ceiling && bench.runPaired) return await bench.runPaired(state, params, i, ceiling);
      const zapa = await bench.run(state, params, i);
      return { zapa, ceiling: ceiling ? await bench.run(state, params, i, ceiling) : undefined };
    };
    // Unrecorded runs first where a fresh stack's first run is not like the others (JIT, a
    // thousand new connections): concurrency's first run gave 2.3–2.8 × the warm ones, and the
    // ceiling loop's first ack p95 15 ms against 2.4–4.4 after it.
    for (let i = 0; i < (params.warmup_runs ?? 0); i++) await once(-1 - i);
    for (let i = 0; i < (params.runs ?? 2); i++) {
      const post = (kind: RunKind, result: unknown) =>
        self.postMessage({ type: "run", index: i, kind, result });
      const pair = await once(i);
      post("zapa", pair.zapa);
      if (!pair.ceiling) continue;
      post("ceiling", pair.ceiling);
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
