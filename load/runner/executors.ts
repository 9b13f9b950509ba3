/**
 * k6's executors as schedulers of async VU loops. Each takes a normalised scenario and a
 * small set of hooks (make a VU, run one iteration, interrupt, count a dropped iteration),
 * so the scheduling can be tested without a script.
 */

import { ExecutionTuple } from "./segments.ts";
import type {
  ConstantArrivalRate,
  ConstantVus,
  PerVuIterations,
  RampingVus,
  Scenario,
  SharedIterations,
} from "./scenarios.ts";
import { maxVus } from "./scenarios.ts";

export interface ExecutorVu {
  id: number;
  busy: boolean;
}

export interface ExecutorHooks<V extends ExecutorVu> {
  /** Milliseconds since the test started. */
  now(): number;
  newVu(): Promise<V>;
  /** Runs one iteration; never rejects. */
  iterate(vu: V): Promise<void>;
  /** Gives up on the VU's in-flight iteration (its requests are aborted). */
  interrupt(vu: V): void;
  dropped(): void;
  /** VUs currently in use by this scenario (the `vus` metric). */
  setActive(n: number): void;
  /** Aborted when the whole test stops early. */
  signal: AbortSignal;
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function allocate<V extends ExecutorVu>(n: number, h: ExecutorHooks<V>): Promise<V[]> {
  const vus: V[] = [];
  for (let i = 0; i < n; i++) vus.push(await h.newVu());
  return vus;
}

/** Waits for the loops, at most until `deadline`, then interrupts whoever is still busy. */
async function drain<V extends ExecutorVu>(
  loops: Promise<unknown>[],
  vus: Iterable<V>,
  deadline: number,
  h: ExecutorHooks<V>,
): Promise<void> {
  await Promise.race([Promise.all(loops), delay(deadline - h.now(), h.signal)]);
  for (const vu of vus) if (vu.busy) h.interrupt(vu);
  h.setActive(0);
}

export async function runConstantVus<V extends ExecutorVu>(s: ConstantVus, h: ExecutorHooks<V>) {
  const vus = await allocate(s.vus, h);
  const end = h.now() + s.durationMs;
  h.setActive(vus.length);
  const loops = vus.map(async (vu) => {
    while (h.now() < end && !h.signal.aborted) await h.iterate(vu);
  });
  await drain(loops, vus, end + s.gracefulStopMs, h);
}

/**
 * Target VU count of a ramping-vus scenario `t` ms after it started: the whole test's
 * target, or this runner's share of it when the test is split into segments.
 */
export function rampTarget(s: RampingVus, t: number): number {
  const global = globalRampTarget(s, t);
  return s.share ? s.share.scale(global) : global;
}

function globalRampTarget(s: RampingVus, t: number): number {
  let from = s.startVUs;
  let at = 0;
  for (const stage of s.stages) {
    if (t < at + stage.durationMs) {
      const v = from + (stage.target - from) * ((t - at) / stage.durationMs);
      return stage.target >= from ? Math.floor(v) : Math.ceil(v);
    }
    at += stage.durationMs;
    from = stage.target;
  }
  return from;
}

export async function runRampingVus<V extends ExecutorVu>(s: RampingVus, h: ExecutorHooks<V>) {
  const vus = await allocate(maxVus(s), h);
  const t0 = h.now();
  const total = s.stages.reduce((n, st) => n + st.durationMs, 0);
  let target = rampTarget(s, 0);
  let done = false;
  const wakers = new Map<number, () => void>();
  const excessSince = new Map<number, number>();
  const wake = (i: number) => {
    wakers.get(i)?.();
    wakers.delete(i);
  };
  const loops = vus.map(async (vu, i) => {
    while (!done && !h.signal.aborted) {
      if (i >= target) {
        await new Promise<void>((r) => wakers.set(i, r));
        continue;
      }
      await h.iterate(vu);
    }
  });
  const active = () => vus.filter((vu, i) => i < target || vu.busy).length;
  h.setActive(active());
  while (!h.signal.aborted) {
    const t = h.now() - t0;
    if (t >= total) break;
    const next = rampTarget(s, t);
    if (next > target) { for (let i = target; i < next; i++) wake(i); }
    if (next < target) { for (let i = next; i < target; i++) excessSince.set(i, h.now()); }
    target = next;
    for (const [i, since] of excessSince) {
      const vu = vus[i] as V;
      if (i < target || !vu.busy) excessSince.delete(i);
      else if (h.now() - since >= s.gracefulRampDownMs) {
        h.interrupt(vu);
        excessSince.delete(i);
      }
    }
    h.setActive(active());
    await delay(Math.min(50, total - t), h.signal);
  }
  done = true;
  for (const i of [...wakers.keys()]) wake(i);
  await drain(loops, vus, h.now() + s.gracefulStopMs, h);
}

/**
 * When each of this runner's arrivals is due (ms after the scenario started), with its
 * global slot: slot i of the whole test is due at i × timeUnit / rate, and a split test
 * gives each runner the slots of its stripe, so all runners together start exactly what one
 * runner would have.
 */
export function arrivalSchedule(s: ConstantArrivalRate): { index: number; atMs: number }[] {
  const tuple = s.iterationTuple ?? ExecutionTuple.of();
  const interval = s.timeUnitMs / s.rate;
  const out: { index: number; atMs: number }[] = [];
  if (s.maxVUs === 0) return out;
  for (let i = 0;; i++) {
    const index = tuple.partial ? tuple.globalIndex(i) : i;
    const atMs = index * interval;
    if (atMs >= s.durationMs) return out;
    out.push({ index, atMs });
  }
}

export async function runConstantArrivalRate<V extends ExecutorVu>(
  s: ConstantArrivalRate,
  h: ExecutorHooks<V>,
) {
  const pool = await allocate(s.preAllocatedVUs, h);
  const free = [...pool];
  let allocating = 0;
  // As in k6, every initialised VU of the scenario counts as active.
  h.setActive(pool.length);
  const inflight = new Set<Promise<void>>();
  const t0 = h.now();
  const end = t0 + s.durationMs;
  for (const slot of arrivalSchedule(s)) {
    if (h.signal.aborted) break;
    await delay(t0 + slot.atMs - h.now(), h.signal);
    if (h.signal.aborted) break;
    const vu = free.pop();
    if (!vu) {
      // Like k6: the iteration is dropped now; a new VU is initialised for later ones.
      h.dropped();
      if (pool.length + allocating < s.maxVUs) {
        allocating++;
        h.newVu().then((fresh) => {
          allocating--;
          pool.push(fresh);
          free.push(fresh);
          h.setActive(pool.length);
        }, () => {
          allocating--;
        });
      }
      continue;
    }
    const p: Promise<void> = h.iterate(vu).then(() => {
      free.push(vu);
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await drain([...inflight], pool, end + s.gracefulStopMs, h);
}

export async function runSharedIterations<V extends ExecutorVu>(
  s: SharedIterations,
  h: ExecutorHooks<V>,
) {
  const vus = await allocate(Math.min(s.vus, s.iterations), h);
  const end = h.now() + s.maxDurationMs;
  let left = s.iterations;
  h.setActive(vus.length);
  const loops = vus.map(async (vu) => {
    while (left > 0 && h.now() < end && !h.signal.aborted) {
      left--;
      await h.iterate(vu);
    }
  });
  await drain(loops, vus, end + s.gracefulStopMs, h);
}

export async function runPerVuIterations<V extends ExecutorVu>(
  s: PerVuIterations,
  h: ExecutorHooks<V>,
) {
  const vus = await allocate(s.vus, h);
  const end = h.now() + s.maxDurationMs;
  h.setActive(vus.length);
  const loops = vus.map(async (vu) => {
    for (let i = 0; i < s.iterations && h.now() < end && !h.signal.aborted; i++) {
      await h.iterate(vu);
    }
  });
  await drain(loops, vus, end + s.gracefulStopMs, h);
}

export function runScenario<V extends ExecutorVu>(s: Scenario, h: ExecutorHooks<V>): Promise<void> {
  switch (s.executor) {
    case "constant-vus":
      return runConstantVus(s, h);
    case "ramping-vus":
      return runRampingVus(s, h);
    case "constant-arrival-rate":
      return runConstantArrivalRate(s, h);
    case "shared-iterations":
      return runSharedIterations(s, h);
    case "per-vu-iterations":
      return runPerVuIterations(s, h);
  }
}
