/**
 * Worker-side helpers shared by the benchmark modules: a measured window (CPU share of each
 * process, load average before and after) and rounding of summaries.
 */
import { summarize, type Summary } from "../../../lib/perf.ts";
import { cpuShare, cpuSnapshot, loadAverage } from "./cpu.ts";
import type { RunResult } from "./scenarios.ts";
import type { LoadTarget } from "./load.ts";

export interface Bench<S = unknown> {
  /** Once per stack: users and anything the runs share. */
  setup(params: Record<string, number>): Promise<S>;
  /**
   * One run; returns its metrics and figures. With `to`, the load goes there instead of Zapa:
   * the ceiling loop (ceiling_receiver.ts and its own bridge), measured the same way.
   */
  run(
    state: S,
    params: Record<string, number>,
    index: number,
    to?: LoadTarget,
  ): Promise<RunResult>;
  /**
   * One run of Zapa and of the ceiling loop at once, for a benchmark that sends at a fixed
   * rate: the schedule alternates between the two slice by slice, so both are measured in the
   * same seconds of the box. Without it, a ceiling run follows each Zapa run.
   */
  runPaired?(
    state: S,
    params: Record<string, number>,
    index: number,
    ceiling: LoadTarget,
  ): Promise<{ zapa: RunResult; ceiling: RunResult }>;
}

/** Runs `fn` and adds the window's CPU shares and load averages to its result. */
export async function measured(fn: () => Promise<RunResult>): Promise<RunResult> {
  const { value, ...window } = await inWindow(fn);
  return { ...value, ...window };
}

/**
 * Runs `fn` (a paired run: Zapa and the ceiling loop alternating) and adds the window's CPU
 * shares and load averages to both results: the two shared the window.
 */
export async function measuredPair(
  fn: () => Promise<{ zapa: RunResult; ceiling: RunResult }>,
): Promise<{ zapa: RunResult; ceiling: RunResult }> {
  const { value, ...window } = await inWindow(fn);
  return { zapa: { ...value.zapa, ...window }, ceiling: { ...value.ceiling, ...window } };
}

async function inWindow<T>(fn: () => Promise<T>) {
  const load_avg_before = await loadAverage();
  const before = await cpuSnapshot();
  const value = await fn();
  const after = await cpuSnapshot();
  return {
    value,
    cpu: cpuShare(before, after),
    load_avg_before,
    load_avg_after: await loadAverage(),
  };
}

/** Summary of the finite samples. */
export function stats(samples: readonly number[]): Summary {
  return summarize(samples.filter((x) => Number.isFinite(x)));
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A count per whole second since `t0` (ms timestamps), for "was it sustained" figures. */
export function perSecond(times: readonly number[], t0: number, seconds: number): number[] {
  const buckets = new Array<number>(Math.max(1, Math.ceil(seconds))).fill(0);
  for (const t of times) {
    const i = Math.floor((t - t0) / 1000);
    if (i >= 0 && i < buckets.length) buckets[i]!++;
  }
  return buckets;
}
