/**
 * The test engine: loads a k6 script (one module instance per VU, as k6 gives each VU its own
 * runtime), runs its scenarios with the executors, samples `vus`, watches `abortOnFail`
 * thresholds, runs setup/teardown and returns everything the summary writers need.
 */

import {
  abortTest,
  contextStore,
  elapsedMs,
  resetRun,
  run,
  type ScenarioInfo,
  type Vu,
  type VuContext,
} from "./state.ts";
import {
  describeScenario,
  hasWork,
  maxVus,
  plannedMs,
  scaleScenario,
  type Scenario,
  scenariosFromOptions,
} from "./scenarios.ts";
import { ExecutionTuple, parseSegment, SegmentedIndex, segmentString } from "./segments.ts";
import { JsonOutput } from "./json_output.ts";
import { delay, runScenario } from "./executors.ts";
import {
  bindThresholds,
  evaluateThresholds,
  parseThresholds,
  type Threshold,
} from "./thresholds.ts";
import { formatClock, formatDuration } from "./durations.ts";

/** k6's exit codes that this runner can produce. */
export const EXIT = {
  ok: 0,
  thresholds: 99,
  engine: 103,
  config: 104,
  externalAbort: 105,
  script: 107,
  scriptAborted: 108,
  markedFailed: 110,
} as const;

export class RunError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export interface EngineOptions {
  scriptPath: string;
  env: Record<string, string>;
  /** Where progress lines go (stderr by default). */
  log?: (line: string) => void;
  progressEveryMs?: number;
  /** Called once options are valid, before setup(): prints k6's banner. */
  onStart?: (scenarios: Scenario[]) => void;
  /** `--execution-segment` / `--execution-segment-sequence`: this runner's part of the test. */
  segment?: string;
  segmentSequence?: string;
  /** `--out json=<file>`: every sample as k6's JSON lines. */
  jsonOut?: string;
}

export interface RunResult {
  scriptPath: string;
  scenarios: Scenario[];
  thresholds: Threshold[];
  thresholdsOk: boolean;
  durationMs: number;
  startedAtIso: string;
  options: Record<string, unknown>;
  module: Record<string, unknown>;
  setupData: unknown;
  exitCode: number;
  abortReason?: string;
  vusMax: number;
  /** This runner's segment, e.g. `1/3:2/3` (`0:1` when the test is not split). */
  segment: string;
}

interface EngineVu extends Vu {
  scenario: string;
}

const errorCounts = new Map<string, number>();

function logIterationError(err: unknown, s: Scenario, log: (l: string) => void): void {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const n = (errorCounts.get(msg) ?? 0) + 1;
  errorCounts.set(msg, n);
  if (n > 5) return;
  const suffix = n === 5 ? " (further identical errors are not shown)" : "";
  log(
    `ERRO[${formatClock(elapsedMs())}] ${msg}${suffix} executor=${s.executor} scenario=${s.name}`,
  );
}

function scriptUrl(path: string): string {
  return new URL(path, `file://${Deno.cwd()}/`).href;
}

export async function runTest(opts: EngineOptions): Promise<RunResult> {
  const log = opts.log ?? ((l: string) => console.error(l));
  resetRun();
  errorCounts.clear();
  run.env = { ...opts.env };
  const url = scriptUrl(opts.scriptPath);

  let mod: Record<string, unknown>;
  try {
    run.initVu = 0;
    mod = await import(`${url}?vu=0`);
  } catch (err) {
    throw new RunError(
      `could not load ${opts.scriptPath}: ${(err as Error).message ?? err}`,
      EXIT.script,
    );
  }
  const scriptOptions = (mod.options ?? {}) as Record<string, unknown>;
  // As in k6, the command line's segment wins over the script's options.
  const segmentText = opts.segment ?? (scriptOptions.executionSegment as string | undefined);
  const sequenceText = opts.segmentSequence ??
    (scriptOptions.executionSegmentSequence as string | undefined);
  const options: Record<string, unknown> = {
    ...scriptOptions,
    ...(segmentText ? { executionSegment: segmentText } : {}),
    ...(sequenceText ? { executionSegmentSequence: sequenceText } : {}),
  };
  run.options = options;
  run.globalTags = (options.tags as Record<string, string> | undefined) ?? {};

  let scenarios: Scenario[];
  let thresholds: Threshold[];
  let tuple: ExecutionTuple;
  try {
    tuple = ExecutionTuple.of(segmentText, sequenceText);
    const all = scenariosFromOptions(options).map((sc) => scaleScenario(sc, tuple));
    scenarios = all.filter(hasWork);
    for (const idle of all.filter((sc) => !hasWork(sc))) {
      log(
        `WARN scenario ${idle.name} has no VUs in segment ${segmentString(tuple.segment)}; ` +
          "the other runners run all of it",
      );
    }
    if (scenarios.length === 0) {
      throw new Error(
        `segment ${segmentString(tuple.segment)} gets 0 VUs of every scenario: ` +
          "each runner needs at least 1 VU, so use fewer runners or more VUs",
      );
    }
    for (const s of scenarios) {
      if (typeof mod[s.exec] !== "function") {
        throw new Error(`scenario ${s.name}: the script exports no function named ${s.exec}`);
      }
    }
    thresholds = parseThresholds(options.thresholds as never);
    bindThresholds(thresholds, run.registry);
  } catch (err) {
    throw new RunError((err as Error).message, EXIT.config);
  }

  opts.onStart?.(scenarios);
  let json: JsonOutput | undefined;
  if (opts.jsonOut) {
    try {
      json = await JsonOutput.open(opts.jsonOut, run.registry, thresholds);
    } catch (err) {
      throw new RunError(`cannot write ${opts.jsonOut}: ${(err as Error).message}`, EXIT.engine);
    }
  }
  const vuIds = new SegmentedIndex(tuple);
  const startedAtIso = new Date().toISOString();
  resetClock();
  let setupData: unknown = undefined;
  if (typeof mod.setup === "function") {
    try {
      setupData = await withSetupContext(() => (mod.setup as () => unknown)());
    } catch (err) {
      await json?.close();
      throw new RunError(`setup() failed: ${(err as Error).message ?? err}`, EXIT.script);
    }
  }
  const dataJson = JSON.stringify(setupData ?? null);

  const testAbort = new AbortController();
  run.onAbort.push(() => testAbort.abort());
  const onSigint = () => abortTest("interrupted by the user (SIGINT)");
  Deno.addSignalListener("SIGINT", onSigint);

  const active = new Map<string, number>();
  const allVus: EngineVu[] = [];
  let nextVuId = 1;
  let initChain: Promise<unknown> = Promise.resolve();
  const interrupted = new WeakSet<AbortController>();

  const sampler = setInterval(() => {
    const vus = [...active.values()].reduce((a, b) => a + b, 0);
    run.vusActive = vus;
    run.registry.add("vus", vus, {});
    run.registry.add("vus_max", allVus.length, {});
    for (const t of thresholds) {
      if (!t.abortOnFail || elapsedMs() < t.delayAbortEvalMs) continue;
      evaluateThresholds([t], elapsedMs());
      if (!t.ok) abortTest(`thresholds on metrics '${t.metricKey}' were crossed; abortOnFail`);
    }
  }, 1000);
  const progressEvery = opts.progressEveryMs ?? 10_000;
  const progress = setInterval(() => {
    log(
      `running (${formatClock(elapsedMs())}), ${run.vusActive}/${allVus.length} VUs, ` +
        `${run.iterationsCompleted} complete and ${run.iterationsInterrupted} interrupted iterations`,
    );
  }, progressEvery);

  function scenarioRun(s: Scenario): Promise<void> {
    const fn = mod[s.exec] as (data: unknown) => unknown;
    const startedAt = s.startTimeMs;
    const info: ScenarioInfo = {
      name: s.name,
      executor: s.executor,
      startTime: 0,
      env: s.env,
      tags: s.tags,
      iterations: 0,
      progress: () => Math.min(1, (elapsedMs() - info.startTime) / Math.max(1, plannedMs(s))),
    };
    const vuData = new Map<number, unknown>();
    const iterationIds = new SegmentedIndex(s.iterationTuple ?? ExecutionTuple.of());
    return delay(startedAt, testAbort.signal).then(() => {
      if (testAbort.signal.aborted) return;
      info.startTime = elapsedMs();
      return runScenario<EngineVu>(s, {
        now: elapsedMs,
        signal: testAbort.signal,
        setActive: (n) => active.set(s.name, n),
        dropped: () =>
          run.registry.add("dropped_iterations", 1, {
            ...run.globalTags,
            ...s.tags,
            scenario: s.name,
          }),
        newVu: () => {
          const p = initChain.then(async () => {
            const id = nextVuId++;
            const idInTest = vuIds.next() + 1;
            run.initVu = id;
            run.initVuInTest = idInTest;
            const module = await import(`${url}?vu=${id}`) as Record<string, unknown>;
            const vu: EngineVu = {
              id,
              idInTest,
              iterations: 0,
              module,
              controller: new AbortController(),
              busy: false,
              scenario: s.name,
            };
            allVus.push(vu);
            run.vusInitialized = allVus.length;
            return vu;
          });
          initChain = p.catch(() => {});
          return p;
        },
        interrupt: (vu) => {
          if (!vu.busy) return;
          vu.busy = false;
          interrupted.add(vu.controller);
          vu.controller.abort(new Error("iteration interrupted"));
          run.iterationsInterrupted++;
        },
        iterate: async (vu) => {
          const controller = new AbortController();
          vu.controller = controller;
          vu.busy = true;
          if (!vuData.has(vu.id)) vuData.set(vu.id, JSON.parse(dataJson));
          const ctx: VuContext = {
            vu,
            iteration: vu.iterations++,
            iterationInScenario: info.iterations++,
            iterationInTest: iterationIds.next(),
            scenario: info,
            group: "",
            vuTags: {},
          };
          const vuFn = (vu.module[s.exec] as typeof fn | undefined) ?? fn;
          const started = performance.now();
          let ok = false;
          try {
            await contextStore.run(ctx, () => vuFn(vuData.get(vu.id)));
            ok = true;
          } catch (err) {
            if (!interrupted.has(controller) && !testAbort.signal.aborted) {
              logIterationError(err, s, log);
            }
          }
          // An iteration that never waited for I/O (e.g. one that throws at once) must still
          // let timers run, or a loop of them would starve the scenario's own clock.
          if (performance.now() - started < 1) await new Promise((r) => setTimeout(r, 0));
          if (interrupted.has(controller)) return;
          vu.busy = false;
          const tags = { ...run.globalTags, ...s.tags, scenario: s.name, group: "" };
          if (ok) {
            run.iterationsCompleted++;
            run.registry.add("iterations", 1, tags);
            run.registry.add("iteration_duration", performance.now() - started, tags);
          } else run.iterationsInterrupted++;
        },
      });
    });
  }

  try {
    await Promise.all(scenarios.map(scenarioRun));
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  run.registry.add("vus", 0, {});
  run.registry.add("vus_max", allVus.length, {});

  if (typeof mod.teardown === "function") {
    try {
      await withSetupContext(() => (mod.teardown as (d: unknown) => unknown)(JSON.parse(dataJson)));
    } catch (err) {
      log(`ERRO[${formatClock(elapsedMs())}] teardown() failed: ${(err as Error).message ?? err}`);
    }
  }

  const durationMs = elapsedMs();
  await json?.close();
  const thresholdsOk = evaluateThresholds(thresholds, durationMs);
  let exitCode: number = EXIT.ok;
  if (run.abortReason?.includes("abortOnFail") || !thresholdsOk) exitCode = EXIT.thresholds;
  else if (run.abortReason?.includes("SIGINT")) exitCode = EXIT.externalAbort;
  else if (run.abortReason !== undefined) exitCode = EXIT.scriptAborted;
  else if (run.markedFailed !== undefined) exitCode = EXIT.markedFailed;
  return {
    scriptPath: opts.scriptPath,
    scenarios,
    thresholds,
    thresholdsOk,
    durationMs,
    startedAtIso,
    options,
    module: mod,
    setupData,
    exitCode,
    abortReason: run.abortReason,
    vusMax: allVus.length,
    segment: segmentString(tuple.segment),
  };
}

function resetClock(): void {
  run.startedAt = performance.now();
}

/** setup() and teardown() run as VU 0 in the `setup` scenario, as in k6. */
function withSetupContext<T>(fn: () => T): T {
  const vu: Vu = {
    id: 0,
    idInTest: 0,
    iterations: 0,
    module: {},
    controller: new AbortController(),
    busy: true,
  };
  const info: ScenarioInfo = {
    name: "setup",
    executor: "shared-iterations",
    startTime: 0,
    env: {},
    tags: {},
    iterations: 0,
    progress: () => 0,
  };
  return contextStore.run({
    vu,
    iteration: 0,
    iterationInScenario: 0,
    iterationInTest: 0,
    scenario: info,
    group: "",
    vuTags: {},
  }, fn);
}

/** The segment's share of the whole test, as k6's banner prints it (`33.33%`). */
function share(segment: string | undefined): string {
  const s = parseSegment(segment);
  return `${((s.to.n / s.to.d - s.from.n / s.from.d) * 100).toFixed(2)}%`;
}

/** The banner k6 prints before a run. */
export function banner(
  scriptPath: string,
  scenarios: Scenario[],
  output: string,
  segment?: string,
): string {
  const maxDur = Math.max(...scenarios.map((s) => s.startTimeMs + plannedMs(s) + s.gracefulStopMs));
  const vus = scenarios.reduce((n, s) => n + maxVus(s), 0);
  const lines = [
    "",
    "     execution: local (zapa deno runner, k6-compatible)",
    `        script: ${scriptPath}`,
    `        output: ${output}`,
    ...(segment ? [`       segment: ${segment}`] : []),
    "",
    `     scenarios: (${share(segment)}) ${scenarios.length} scenario${
      scenarios.length > 1 ? "s" : ""
    }, ` +
    `${vus} max VUs, ${formatDuration(maxDur)} max duration (incl. graceful stop):`,
    ...scenarios.map((s) => `              * ${s.name}: ${describeScenario(s)}`),
    "",
  ];
  return lines.join("\n");
}
