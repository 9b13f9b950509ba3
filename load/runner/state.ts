/**
 * Shared state between the engine and the k6 module shims: the metric registry, the clock,
 * and the per-VU context. k6 gives every VU its own JS runtime; here VUs are concurrent async
 * loops in one isolate, so "which VU is running" travels with AsyncLocalStorage, and the
 * globals `__VU`, `__ITER`, `__ENV` read from it.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { defineBuiltins, Registry, type Tags } from "./metrics.ts";

/** A virtual user: one module instance of the script, one iteration at a time. */
export interface Vu {
  /** `__VU` / `exec.vu.idInInstance`, from 1 on every runner. */
  id: number;
  /** `exec.vu.idInTest`: unique across all runners of a split test (k6's segmented VU ids). */
  idInTest: number;
  /** Iterations this VU started (`__ITER` of the running one). */
  iterations: number;
  module: Record<string, unknown>;
  /** Aborted to interrupt the VU's in-flight requests (graceful stop expired, test aborted). */
  controller: AbortController;
  busy: boolean;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  startTime: number;
  env: Record<string, string>;
  tags: Tags;
  /** Iterations started in this scenario (k6's `iterationInTest` for a single instance). */
  iterations: number;
  progress: () => number;
}

export interface VuContext {
  vu: Vu;
  iteration: number;
  iterationInScenario: number;
  /** `exec.scenario.iterationInTest`: unique across all runners of a split test. */
  iterationInTest: number;
  scenario: ScenarioInfo;
  /** Group path as k6 writes it: `""` for root, `"::login::code"` nested. */
  group: string;
  /** Mutable `exec.vu.tags`, merged into every sample of this VU. */
  vuTags: Tags;
}

export interface CheckStat {
  name: string;
  path: string;
  passes: number;
  fails: number;
}

export interface GroupStat {
  name: string;
  path: string;
  groups: Map<string, GroupStat>;
  checks: Map<string, CheckStat>;
}

export const contextStore = new AsyncLocalStorage<VuContext>();

export const run = {
  registry: new Registry(),
  startedAt: 0,
  /** Process env as the script may see it (`__ENV`), after `-e` overrides. */
  env: {} as Record<string, string>,
  globalTags: {} as Tags,
  rootGroup: newGroup("", ""),
  /** VU id visible while a VU's module instance is being initialised. */
  initVu: 0,
  initVuInTest: 0,
  iterationsCompleted: 0,
  iterationsInterrupted: 0,
  vusActive: 0,
  vusInitialized: 0,
  options: {} as Record<string, unknown>,
  abortReason: undefined as string | undefined,
  markedFailed: undefined as string | undefined,
  onAbort: [] as (() => void)[],
  warned: new Set<string>(),
};

export function newGroup(name: string, path: string): GroupStat {
  return { name, path, groups: new Map(), checks: new Map() };
}

/** Clears all run state; called once per run (and by tests). */
export function resetRun(now: () => number = () => performance.now() - run.startedAt): void {
  run.registry = new Registry();
  defineBuiltins(run.registry);
  run.startedAt = performance.now();
  run.registry.now = now;
  run.rootGroup = newGroup("", "");
  run.iterationsCompleted = 0;
  run.iterationsInterrupted = 0;
  run.vusActive = 0;
  run.vusInitialized = 0;
  run.abortReason = undefined;
  run.markedFailed = undefined;
  run.onAbort = [];
  run.warned.clear();
}

export function elapsedMs(): number {
  return performance.now() - run.startedAt;
}

export function currentContext(): VuContext | undefined {
  return contextStore.getStore();
}

/** Tags every sample of the current VU carries: global, scenario, VU tags and the group. */
export function contextTags(): Tags {
  const ctx = contextStore.getStore();
  if (!ctx) return { ...run.globalTags };
  return {
    ...run.globalTags,
    ...ctx.scenario.tags,
    ...ctx.vuTags,
    scenario: ctx.scenario.name,
    group: ctx.group,
  };
}

/** Finds (or creates) the stats node of a group path like `::a::b`. */
export function groupAt(path: string): GroupStat {
  let node = run.rootGroup;
  if (!path) return node;
  let sofar = "";
  for (const name of path.split("::").slice(1)) {
    sofar += `::${name}`;
    let next = node.groups.get(name);
    if (!next) {
      next = newGroup(name, sofar);
      node.groups.set(name, next);
    }
    node = next;
  }
  return node;
}

/** Prints a warning once per key, to stderr, in k6's log style. */
export function warnOnce(key: string, message: string): void {
  if (run.warned.has(key)) return;
  run.warned.add(key);
  console.error(`WARN[${Math.floor(elapsedMs() / 1000).toString().padStart(4, "0")}] ${message}`);
}

/** Stops the whole test (exec.test.abort, abortOnFail thresholds, SIGINT). */
export function abortTest(reason: string): void {
  if (run.abortReason !== undefined) return;
  run.abortReason = reason;
  for (const fn of run.onAbort) fn();
}

function installGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  Object.defineProperty(g, "__VU", {
    configurable: true,
    get: () => contextStore.getStore()?.vu.id ?? run.initVu,
  });
  Object.defineProperty(g, "__ITER", {
    configurable: true,
    get: () => contextStore.getStore()?.iteration ?? 0,
  });
  Object.defineProperty(g, "__ENV", {
    configurable: true,
    get: () => {
      const ctx = contextStore.getStore();
      return ctx && Object.keys(ctx.scenario.env).length
        ? { ...run.env, ...ctx.scenario.env }
        : run.env;
    },
  });
}

installGlobals();
resetRun();
