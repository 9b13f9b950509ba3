/**
 * The `k6` module for the runner: `check`, `group`, `fail`, `sleep`, `randomSeed`.
 * Check results feed the `checks` rate and the group tree of the summary.
 */

import {
  contextStore,
  contextTags,
  elapsedMs,
  groupAt,
  run,
  type VuContext,
  warnOnce,
} from "../state.ts";

type Checker<T> = (value: T) => unknown;

export function check<T>(
  value: T,
  sets: Record<string, Checker<T>>,
  tags?: Record<string, string>,
): boolean {
  const ctx = contextStore.getStore();
  const base = { ...contextTags(), ...(tags ?? {}) };
  const node = groupAt(ctx?.group ?? "");
  let all = true;
  for (const [name, fn] of Object.entries(sets)) {
    let ok: boolean;
    try {
      ok = Boolean(typeof fn === "function" ? fn(value) : fn);
    } catch {
      // k6 treats a throwing check as failed rather than aborting the iteration.
      ok = false;
    }
    all &&= ok;
    run.registry.add("checks", ok ? 1 : 0, { ...base, check: name });
    let stat = node.checks.get(name);
    if (!stat) {
      stat = { name, path: `${node.path}::${name}`, passes: 0, fails: 0 };
      node.checks.set(name, stat);
    }
    if (ok) stat.passes++;
    else stat.fails++;
  }
  return all;
}

/**
 * Runs `fn` inside a named group. Like k6, the group ends when `fn` returns: for an async
 * `fn` that is its first `await`; samples emitted later still carry the group tag here.
 */
export function group<T>(name: string, fn: () => T): T {
  if (name.includes("::")) throw new Error("group and check names may not contain '::'");
  const ctx = contextStore.getStore();
  const path = `${ctx?.group ?? ""}::${name}`;
  groupAt(path);
  const started = performance.now();
  const inner: VuContext | undefined = ctx ? { ...ctx, group: path } : undefined;
  const result = inner ? contextStore.run(inner, fn) : fn();
  if (result instanceof Promise) {
    warnOnce("async-group", "group() with an async function is not fully supported by k6");
  }
  run.registry.add("group_duration", performance.now() - started, {
    ...contextTags(),
    group: path,
  });
  return result;
}

/** Aborts the current iteration, as k6's `fail()` does. */
export function fail(err?: string): never {
  throw new Error(err ?? "fail() called");
}

/**
 * Blocks for `seconds`. k6 blocks only the calling VU; here every VU shares one thread, so
 * this stalls all of them: scripts should await `setTimeout` from `k6/timers` instead.
 */
export function sleep(seconds: number): void {
  warnOnce(
    "sleep",
    "sleep() blocks every VU in the Deno runner; use `await new Promise((r) => setTimeout(r, ms))` from k6/timers",
  );
  const until = elapsedMs() + seconds * 1000;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, Math.max(0, until - elapsedMs()));
}

let seed = 0;
/** Makes `Math.random` deterministic, as k6's `randomSeed()` does. */
export function randomSeed(int: number): void {
  seed = int >>> 0;
  Math.random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export default { check, group, fail, sleep, randomSeed };
