/**
 * `deno task bench [name…] [--runs=N] [--<param>=<n>]`: the pipeline benchmarks of issue 5.
 * For each benchmark it boots its own native stack on free ports (with the benchmark's extra
 * environment, e.g. AGENT_CONCURRENCY=1000), runs it N times in a worker thread, writes
 * `reports/bench/<name>.json` (medians, p95/p99, achieved rates, CPU shares, load average,
 * budgets, pass/fail) and prints a table. Exit code 1 when a budget is missed.
 */
import { parseArgs } from "node:util";
import { DENO_SERVICE_SPECS, launchStack } from "../../../lib/stack/mod.ts";
import type { DenoServiceSpec } from "../../../lib/stack/services.ts";
import { machineInfo, printTable, writeReport } from "./report.ts";
import { checkBudgets, type RunResult, type Scenario, SCENARIOS } from "./scenarios.ts";

/** The bridge keeps every reply of a long run in its sent journal (default 10 000). */
const BRIDGE_ENV = { MOCK_JOURNAL_LIMIT: "200000" };

function withEnv(spec: DenoServiceSpec, extra: Record<string, string>): DenoServiceSpec {
  return { ...spec, env: (wiring) => ({ ...spec.env(wiring), ...extra }) };
}

function paramsFor(scenario: Scenario, overrides: Record<string, string>): Record<string, number> {
  const params = { ...scenario.params };
  for (const [key, value] of Object.entries(overrides)) {
    if (key in params && Number.isFinite(Number(value))) params[key] = Number(value);
  }
  return params;
}

function runWorker(
  name: string,
  params: Record<string, number>,
  onEvent: (e: { type: string; [k: string]: unknown }) => void,
): Promise<void> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (event) => {
      const data = event.data as { type: string; message?: string };
      if (data.type === "done") {
        worker.terminate();
        resolve();
      } else if (data.type === "error") {
        worker.terminate();
        reject(new Error(data.message));
      } else onEvent(data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(event.message));
    };
    worker.postMessage({ name, params });
  });
}

async function runScenario(scenario: Scenario, overrides: Record<string, string>) {
  const params = paramsFor(scenario, overrides);
  const stackFile = `.zapa/stacks/bench-${scenario.name}.json`;
  console.log(`\n== ${scenario.name}: ${scenario.title}`);
  console.log(`   params ${JSON.stringify(params)}; booting a stack…`);
  const running = await launchStack({
    ports: "free",
    stackFile,
    logsDir: `.zapa/logs/bench/${scenario.name}`,
    // Both entrypoints answer /ready (schema migrated, stores up) before setup creates users.
    waitReady: true,
    specs: {
      private: withEnv(DENO_SERVICE_SPECS.private, scenario.privateEnv ?? {}),
      bridge: withEnv(DENO_SERVICE_SPECS.bridge, BRIDGE_ENV),
    },
  });
  const stop = () => void running.shutdown().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", stop);
  const runs: (RunResult & { index: number })[] = [];
  let setupMs = 0;
  try {
    Deno.env.set("ZAPA_STACK_FILE", stackFile);
    await runWorker(scenario.name, params, (event) => {
      if (event.type === "setup") {
        setupMs = event.ms as number;
        console.log(`   setup ${setupMs} ms`);
      } else if (event.type === "run") {
        const result = event.result as RunResult;
        runs.push({ index: event.index as number, ...result });
        console.log(`   run ${event.index}: ${JSON.stringify(result.metrics)}`);
      }
    });
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    await running.shutdown();
  }
  const checked = runs.map((r) => {
    const budgets = checkBudgets(scenario.budgets, r.metrics);
    return { ...r, budgets, passed: budgets.every((b) => b.passed) };
  });
  return {
    name: scenario.name,
    title: scenario.title,
    measured_at: new Date().toISOString(),
    machine: await machineInfo(),
    stack: {
      target: "native (deno task bench, free ports)",
      boot_ms: running.info.boot_ms,
      private_env: scenario.privateEnv ?? {},
      bridge_env: BRIDGE_ENV,
    },
    params,
    setup_ms: setupMs,
    budgets: scenario.budgets,
    runs: checked,
    passed: checked.length > 0 && checked.every((r) => r.passed),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ args: Deno.args, strict: false });
  const overrides = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k.replaceAll("-", "_"), String(v)]),
  );
  const wanted = positionals.length > 0 ? positionals : SCENARIOS.map((s) => s.name);
  const unknown = wanted.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s) ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name)}`,
    );
    Deno.exit(2);
  }
  const reports = [];
  for (const name of wanted) {
    const report = await runScenario(SCENARIOS.find((s) => s.name === name)!, overrides);
    await writeReport(report);
    reports.push(report);
  }
  printTable(reports);
  Deno.exit(reports.every((r) => r.passed) ? 0 : 1);
}
