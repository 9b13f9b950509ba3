/** The `k6/execution` module: live facts about the VU, scenario, instance and test. */

import { abortTest, contextStore, elapsedMs, run } from "../state.ts";

function ctx() {
  const c = contextStore.getStore();
  if (!c) throw new Error("k6/execution: VU information is only available inside VU code");
  return c;
}

export const vu = {
  get idInTest(): number {
    return contextStore.getStore()?.vu.idInTest ?? run.initVuInTest;
  },
  get idInInstance(): number {
    return contextStore.getStore()?.vu.id ?? run.initVu;
  },
  get iterationInInstance(): number {
    return ctx().iteration;
  },
  get iterationInScenario(): number {
    return ctx().iteration;
  },
  get tags(): Record<string, string> {
    return ctx().vuTags;
  },
  get metrics() {
    return { tags: ctx().vuTags, metadata: {} as Record<string, string> };
  },
};

export const scenario = {
  get name(): string {
    return ctx().scenario.name;
  },
  get executor(): string {
    return ctx().scenario.executor;
  },
  get startTime(): number {
    return ctx().scenario.startTime;
  },
  get progress(): number {
    return ctx().scenario.progress();
  },
  get iterationInInstance(): number {
    return ctx().iterationInScenario;
  },
  get iterationInTest(): number {
    return ctx().iterationInTest;
  },
};

export const instance = {
  get iterationsInterrupted(): number {
    return run.iterationsInterrupted;
  },
  get iterationsCompleted(): number {
    return run.iterationsCompleted;
  },
  get vusActive(): number {
    return run.vusActive;
  },
  get vusInitialized(): number {
    return run.vusInitialized;
  },
  get currentTestRunDuration(): number {
    return elapsedMs();
  },
};

export const test = {
  /** Stops the test at once; the run exits with k6's code 108. */
  abort(input?: string): void {
    abortTest(input ?? "test aborted by script");
    throw new Error(`test aborted: ${input ?? ""}`);
  },
  /** Marks the run failed but lets it finish (k6 exit code 110). */
  fail(message?: string): void {
    run.markedFailed ??= message ?? "test marked as failed";
  },
  get options(): Record<string, unknown> {
    return run.options;
  },
};

export default { vu, scenario, instance, test };
