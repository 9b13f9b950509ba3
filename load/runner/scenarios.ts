/**
 * Reads k6 `options` into normalised scenario configs: explicit `scenarios`, or the shortcut
 * options (`vus`, `duration`, `iterations`, `stages`) the way k6 turns them into a `default`
 * scenario. Invalid options throw (the runner exits with k6's code 104).
 */

import { formatDuration, parseDuration } from "./durations.ts";
import { ExecutionTuple } from "./segments.ts";

interface Common {
  name: string;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
  /**
   * Whose iteration numbers this runner hands out (`exec.scenario.iterationInTest`): the
   * runner's segment, or for arrival rates the segment re-split by maxVUs. Absent: the whole.
   */
  iterationTuple?: ExecutionTuple;
}

export interface ConstantVus extends Common {
  executor: "constant-vus";
  vus: number;
  durationMs: number;
}

export interface RampingVus extends Common {
  executor: "ramping-vus";
  startVUs: number;
  stages: { durationMs: number; target: number }[];
  gracefulRampDownMs: number;
  /** This runner's segment: its VUs at any moment are its share of the global target. */
  share?: ExecutionTuple;
}

export interface ConstantArrivalRate extends Common {
  executor: "constant-arrival-rate";
  rate: number;
  timeUnitMs: number;
  durationMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface SharedIterations extends Common {
  executor: "shared-iterations";
  vus: number;
  iterations: number;
  maxDurationMs: number;
}

export interface PerVuIterations extends Common {
  executor: "per-vu-iterations";
  vus: number;
  iterations: number;
  maxDurationMs: number;
}

export type Scenario =
  | ConstantVus
  | RampingVus
  | ConstantArrivalRate
  | SharedIterations
  | PerVuIterations;

type Raw = Record<string, unknown>;

function int(raw: Raw, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new Error(`${key} must be a non-negative integer, got ${JSON.stringify(raw[key])}`);
  }
  return v;
}

function common(name: string, raw: Raw): Common {
  return {
    name,
    startTimeMs: parseDuration(raw.startTime as string | undefined, 0),
    gracefulStopMs: parseDuration(raw.gracefulStop as string | undefined, 30_000),
    exec: typeof raw.exec === "string" ? raw.exec : "default",
    env: (raw.env as Record<string, string> | undefined) ?? {},
    tags: (raw.tags as Record<string, string> | undefined) ?? {},
  };
}

function scenario(name: string, raw: Raw): Scenario {
  const c = common(name, raw);
  switch (raw.executor) {
    case "constant-vus":
      return {
        ...c,
        executor: "constant-vus",
        vus: int(raw, "vus", 1),
        durationMs: parseDuration(raw.duration as string),
      };
    case "ramping-vus": {
      const stages = raw.stages;
      if (!Array.isArray(stages) || stages.length === 0) {
        throw new Error(`${name}: stages are required`);
      }
      return {
        ...c,
        executor: "ramping-vus",
        startVUs: int(raw, "startVUs", 1),
        stages: stages.map((s: Raw) => ({
          durationMs: parseDuration(s.duration as string),
          target: int(s, "target"),
        })),
        gracefulRampDownMs: parseDuration(raw.gracefulRampDown as string | undefined, 30_000),
      };
    }
    case "constant-arrival-rate": {
      const preAllocatedVUs = int(raw, "preAllocatedVUs");
      const rate = raw.rate;
      if (typeof rate !== "number" || rate <= 0) throw new Error(`${name}: rate must be > 0`);
      return {
        ...c,
        executor: "constant-arrival-rate",
        rate,
        timeUnitMs: parseDuration(raw.timeUnit as string | undefined, 1000),
        durationMs: parseDuration(raw.duration as string),
        preAllocatedVUs,
        maxVUs: Math.max(preAllocatedVUs, int(raw, "maxVUs", preAllocatedVUs)),
      };
    }
    case "shared-iterations":
    case "per-vu-iterations":
      return {
        ...c,
        executor: raw.executor,
        vus: int(raw, "vus", 1),
        iterations: int(raw, "iterations", 1),
        maxDurationMs: parseDuration(raw.maxDuration as string | undefined, 600_000),
      };
    default:
      throw new Error(
        `scenario ${name}: executor ${
          JSON.stringify(raw.executor)
        } is not supported by the Deno runner ` +
          "(constant-vus, ramping-vus, constant-arrival-rate, shared-iterations, per-vu-iterations)",
      );
  }
}

/** Scenarios from k6 options, including k6's shortcut options. */
export function scenariosFromOptions(options: Raw): Scenario[] {
  const explicit = options.scenarios as Record<string, Raw> | undefined;
  if (explicit && Object.keys(explicit).length) {
    return Object.entries(explicit).map(([name, raw]) => scenario(name, raw));
  }
  const vus = options.vus as number | undefined;
  if (Array.isArray(options.stages)) {
    return [
      scenario("default", { executor: "ramping-vus", startVUs: vus ?? 1, stages: options.stages }),
    ];
  }
  if (options.iterations !== undefined) {
    return [scenario("default", {
      executor: "shared-iterations",
      vus: vus ?? 1,
      iterations: options.iterations,
      maxDuration: options.duration,
    })];
  }
  if (options.duration !== undefined) {
    return [
      scenario("default", { executor: "constant-vus", vus: vus ?? 1, duration: options.duration }),
    ];
  }
  return [scenario("default", { executor: "per-vu-iterations", vus: vus ?? 1, iterations: 1 })];
}

/** Planned length of a scenario without its graceful stop. */
export function plannedMs(s: Scenario): number {
  switch (s.executor) {
    case "constant-vus":
    case "constant-arrival-rate":
      return s.durationMs;
    case "ramping-vus":
      return s.stages.reduce((n, st) => n + st.durationMs, 0);
    default:
      return s.maxDurationMs;
  }
}

export function maxVus(s: Scenario): number {
  switch (s.executor) {
    case "ramping-vus": {
      const max = Math.max(s.startVUs, ...s.stages.map((st) => st.target));
      return s.share ? s.share.scale(max) : max;
    }
    case "constant-arrival-rate":
      return s.maxVUs;
    default:
      return s.vus;
  }
}

/** One banner line per scenario, worded like k6's. */
export function describeScenario(s: Scenario): string {
  const gs = `gracefulStop: ${formatDuration(s.gracefulStopMs)}`;
  const start = s.startTimeMs ? `, startTime: ${formatDuration(s.startTimeMs)}` : "";
  const exec = s.exec !== "default" ? `, exec: ${s.exec}` : "";
  switch (s.executor) {
    case "constant-vus":
      return `${s.vus} looping VUs for ${formatDuration(s.durationMs)} (${gs}${exec}${start})`;
    case "ramping-vus":
      return `Up to ${maxVus(s)} looping VUs for ${
        formatDuration(plannedMs(s))
      } over ${s.stages.length} stages ` +
        `(gracefulRampDown: ${formatDuration(s.gracefulRampDownMs)}, ${gs}${exec}${start})`;
    case "constant-arrival-rate":
      return `${s.rate.toFixed(2)} iterations/${formatDuration(s.timeUnitMs)} for ${
        formatDuration(s.durationMs)
      } ` +
        `(maxVUs: ${s.preAllocatedVUs}-${s.maxVUs}, ${gs}${exec}${start})`;
    case "shared-iterations":
      return `${s.iterations} iterations shared among ${s.vus} VUs (maxDuration: ${
        formatDuration(s.maxDurationMs)
      }, ${gs}${exec}${start})`;
    case "per-vu-iterations":
      return `${s.iterations} iterations for each of ${s.vus} VUs (maxDuration: ${
        formatDuration(s.maxDurationMs)
      }, ${gs}${exec}${start})`;
  }
}

/**
 * The part of a scenario this runner runs, as k6 splits it between segments: VU counts and
 * shared iterations are striped (`ExecutionTuple.scale`), per-VU iterations stay per VU, and
 * arrival-rate iterations are striped by how maxVUs were split, so a runner without VUs gets
 * no iterations. A scenario whose share is 0 VUs has no work here (see `hasWork`).
 */
export function scaleScenario(s: Scenario, tuple: ExecutionTuple): Scenario {
  if (!tuple.partial) return s;
  const scale = (n: number) => tuple.scale(n);
  switch (s.executor) {
    case "constant-vus":
      return { ...s, vus: scale(s.vus), iterationTuple: tuple };
    case "ramping-vus":
      return { ...s, share: tuple, iterationTuple: tuple };
    case "constant-arrival-rate": {
      const resplit = tuple.resplit(s.maxVUs);
      return {
        ...s,
        preAllocatedVUs: scale(s.preAllocatedVUs),
        maxVUs: scale(s.maxVUs),
        ...(resplit ? { iterationTuple: resplit } : {}),
      };
    }
    case "shared-iterations":
      return { ...s, vus: scale(s.vus), iterations: scale(s.iterations), iterationTuple: tuple };
    case "per-vu-iterations":
      return { ...s, vus: scale(s.vus), iterationTuple: tuple };
  }
}

/** Whether this runner has anything to do for the scenario (k6's HasWork). */
export function hasWork(s: Scenario): boolean {
  return maxVus(s) > 0 && (s.executor !== "shared-iterations" || s.iterations > 0);
}
