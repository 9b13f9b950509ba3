/**
 * `deno task bench [name…] [--runs=N] [--<param>=<n>] [--profile]`: the pipeline benchmarks.
 * For each benchmark it boots its own native stack on free ports (with the benchmark's extra
 * environment, e.g. AGENT_CONCURRENCY=1000) and runs it N times in a worker thread. Where the
 * benchmark has ratios, each run of Zapa is paired with the same run against the ceiling loop
 * (ceiling_receiver.ts and a bridge of its own, started beside the stack; the two alternate
 * slice by slice where the benchmark sends at a fixed rate) and followed by a PostgreSQL
 * commit-rate probe: a run is a pair measured under the same conditions. Ratios are judged by the median
 * of the pairs, losses by the worst run, and each ratio's median is compared with the last
 * run's (stability.ts). Writes `reports/bench/<name>.json` (absolute figures, ceilings, ratios,
 * CPU shares, load average, budgets, history) and prints a table. Exit code 1 when a budget is
 * missed. `--profile` runs the private entrypoint under `--cpu-prof` and prints where its CPU
 * went (cpu_profile.ts); such a run's ratios are not compared.
 */
import { parseArgs } from "node:util";
import {
  DENO_SERVICE_SPECS,
  type DenoServiceSpec,
  freePort,
  httpProbe,
  launchStack,
  readSettings,
  spawnLogged,
  type StackInfo,
  stopProcess,
  waitHealthy,
} from "../../../lib/stack/mod.ts";
import type { LoadTarget } from "./load.ts";
import { machineInfo, printTable, readReport, writeReport } from "./report.ts";
import { agreement, median, verdicts } from "./stability.ts";
import { type ProfileSummary, summarizeDir } from "./cpu_profile.ts";
import {
  PG_PROFILE_SETTINGS,
  resetStatements,
  type StatementCost,
  topStatements,
} from "./pg_profile.ts";
import type { Summary } from "../../../lib/perf.ts";
import {
  ratioMetrics,
  type RunResult,
  type Scenario,
  SCENARIOS,
  significant,
} from "./scenarios.ts";
import type { RunKind, WorkerRequest } from "./worker.ts";

/** The bridge keeps every reply of a long run in its sent journal (default 10 000). */
const BRIDGE_ENV = { MOCK_JOURNAL_LIMIT: "200000" };

function withEnv(spec: DenoServiceSpec, extra: Record<string, string>): DenoServiceSpec {
  return { ...spec, env: (wiring) => ({ ...spec.env(wiring), ...extra }) };
}

/**
 * The ceiling loop beside the stack, as processes of its own: ceiling_receiver.ts, and a bridge
 * of its own (the same mock bridge program, on free ports) through which the receiver sends its
 * replies and whose webhooks, the receipts of those sends, go back to the receiver. Zapa's loop
 * posts its receipts to Zapa the same way. Sharing the stack's bridge, the loop's receipts went
 * to Zapa, which kept private at 55–60 % of a core through every ceiling window looking them up
 * (2026-12-03): the ceiling was measured beside a busy Zapa and moved with it.
 */
async function startCeiling(info: StackInfo, logsDir: string) {
  const port = freePort();
  const bridgePort = freePort();
  const controlPort = freePort();
  const { base_env } = readSettings();
  const spec = DENO_SERVICE_SPECS.bridge;
  const bridgeLog = `${logsDir}/ceiling-bridge.log`;
  const bridge = await spawnLogged({
    command: Deno.execPath(),
    args: ["run", ...spec.flags, spec.entry],
    env: {
      ...base_env,
      ...BRIDGE_ENV,
      PORT: String(bridgePort),
      MOCK_CONTROL_PORT: String(controlPort),
      MOCK_HOSTNAME: "127.0.0.1",
      MOCK_SESSION_ID: info.session_id ?? "main",
      API_KEY: info.bridge_api_key ?? "",
      WEBHOOK_URL: `http://127.0.0.1:${port}/`,
      ENABLE_WEBHOOK: "true",
    },
    logFile: bridgeLog,
  });
  const receiverLog = `${logsDir}/ceiling-receiver.log`;
  const receiver = await spawnLogged({
    command: Deno.execPath(),
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env=PORT,BRIDGE_URL,BRIDGE_API_KEY,SESSION_ID",
      new URL("./ceiling_receiver.ts", import.meta.url).pathname,
    ],
    env: {
      ...base_env,
      PORT: String(port),
      BRIDGE_URL: `http://127.0.0.1:${bridgePort}`,
      BRIDGE_API_KEY: info.bridge_api_key ?? "",
      SESSION_ID: info.session_id ?? "main",
    },
    logFile: receiverLog,
  });
  const deadline = performance.now() + 30_000;
  const stop = async () => {
    await Promise.all([bridge, receiver].map((p) => stopProcess(p, { signal: "SIGKILL" })));
  };
  try {
    await Promise.all([
      waitHealthy({
        service: "ceiling bridge",
        probe: httpProbe(`http://127.0.0.1:${bridgePort}/health`),
        process: bridge,
        logFile: bridgeLog,
        deadline,
      }),
      waitHealthy({
        service: "ceiling loop",
        probe: httpProbe(`http://127.0.0.1:${port}/`),
        process: receiver,
        logFile: receiverLog,
        deadline,
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const loop: LoadTarget = {
    url: `http://127.0.0.1:${port}/`,
    bridgeControl: `http://127.0.0.1:${controlPort}`,
  };
  return { loop, stop };
}

function paramsFor(scenario: Scenario, overrides: Record<string, string>): Record<string, number> {
  const params = { ...scenario.params };
  for (const [key, value] of Object.entries(overrides)) {
    if (key in params && Number.isFinite(Number(value))) params[key] = Number(value);
  }
  return params;
}

function runWorker(
  request: WorkerRequest,
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
    worker.postMessage(request);
  });
}

/** `--profile`: the private entrypoint runs under V8's sampling profiler (`--cpu-prof`). */
function profiled(spec: DenoServiceSpec, dir: string): DenoServiceSpec {
  return { ...spec, flags: [...spec.flags, "--cpu-prof", `--cpu-prof-dir=${dir}`] };
}

async function runScenario(
  scenario: Scenario,
  overrides: Record<string, string>,
  privateReplicas = 1,
  profileDir?: string,
) {
  const params = paramsFor(scenario, overrides);
  const name = privateReplicas > 1 ? `${scenario.name}_${privateReplicas}_private` : scenario.name;
  const stackFile = `.zapa/stacks/bench-${name}.json`;
  console.log(`\n== ${name}: ${scenario.title} (${privateReplicas} private instance(s))`);
  console.log(`   params ${JSON.stringify(params)}; booting a stack…`);
  const logsDir = `.zapa/logs/bench/${name}`;
  const running = await launchStack({
    ports: "free",
    stackFile,
    logsDir,
    replicas: { private: privateReplicas, public: 1 },
    // Both entrypoints answer /ready (schema migrated, stores up) before setup creates users.
    waitReady: true,
    // Profiled, PostgreSQL records its statements too (pg_profile.ts).
    postgresSettings: profileDir ? PG_PROFILE_SETTINGS : undefined,
    specs: {
      private: ((spec) => profileDir ? profiled(spec, profileDir) : spec)(
        withEnv(DENO_SERVICE_SPECS.private, scenario.privateEnv ?? {}),
      ),
      bridge: withEnv(DENO_SERVICE_SPECS.bridge, BRIDGE_ENV),
    },
  });
  const ceiling = scenario.ratios
    ? await startCeiling(running.info, logsDir).catch(async (error) => {
      await running.shutdown();
      throw error;
    })
    : null;
  const stop = () => {
    void ceiling?.stop();
    void running.shutdown().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", stop);
  const runs = new Map<number, Partial<Record<RunKind, RunResult>>>();
  let setupMs = 0;
  let statements: StatementCost[] | undefined;
  try {
    Deno.env.set("ZAPA_STACK_FILE", stackFile);
    await runWorker({ name: scenario.name, params, ceiling: ceiling?.loop }, (event) => {
      if (event.type === "setup") {
        setupMs = event.ms as number;
        // What setup did (users, keys) is not the pipeline's: forgotten as the runs begin (the
        // worker does not wait for this; the first warm-up statements may go uncounted).
        if (profileDir) {
          resetStatements(running.info.database_url).catch((e) =>
            console.log(`   pg_stat_statements not reset: ${e}`)
          );
        }
        console.log(`   setup ${setupMs} ms`);
      } else if (event.type === "run") {
        const index = event.index as number;
        const kind = event.kind as RunKind;
        const result = event.result as RunResult;
        runs.set(index, { ...runs.get(index), [kind]: result });
        console.log(`   run ${index} ${kind}: ${JSON.stringify(result.metrics)}`);
        const hops = result.figures.hops as
          | { traced: number; hops: Record<string, Summary> }
          | undefined;
        if (hops) {
          const each = Object.entries(hops.hops).map(([hop, s]) => `${hop} ${s.median}/${s.p95}`);
          console.log(`   per hop, median/p95 ms of ${hops.traced} traced: ${each.join("; ")}`);
        }
      }
    });
    if (profileDir) statements = await topStatements(running.info.database_url);
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    await ceiling?.stop();
    await running.shutdown();
  }
  const profile = profileDir
    ? await summarizeDir(
      profileDir,
      20,
      (file, why) => console.log(`   ${file}: not a whole CPU profile, skipped (${why})`),
    )
    : undefined;
  if (profile) printProfile(name, profileDir!, profile);
  if (statements) printStatements(statements, `.zapa/logs/bench/${name}/postgres.log`);
  const checked = [...runs.entries()].flatMap(([index, kinds]) => {
    if (!kinds.zapa) return [];
    const ratios = ratioMetrics(scenario.ratios ?? [], { ...kinds, zapa: kinds.zapa });
    const metrics = { ...kinds.zapa.metrics, ...ratios };
    return [{ index, ...kinds.zapa, metrics, ratios, ceiling: kinds.ceiling, pg: kinds.pg }];
  });
  // Ratios by the median of the runs, losses by the worst run (stability.ts).
  const budgets = verdicts(
    scenario.budgets.filter((b) => (b.privateInstances ?? privateReplicas) === privateReplicas),
    checked,
  );
  // The medians compared from one run to the next: every ratio, and every budget judged by
  // its median (concurrency's ratio to the instant-LLM burst is a ratio too).
  const compared = new Set([
    ...(scenario.ratios ?? []).map((r) => r.metric),
    ...budgets.filter((b) => b.aggregate === "median").map((b) => b.metric),
  ]);
  const medians: Record<string, number> = {};
  for (const metric of compared) {
    const value = median(checked.map((c) => c.metrics[metric] ?? NaN));
    if (Number.isFinite(value)) medians[metric] = significant(value);
  }
  // The yardsticks themselves, the loop's and PostgreSQL's figures the ratios divide by: when
  // they moved between two runs, the box did too, and the ratios' agreement says so.
  const yardsticks: Record<string, number> = {};
  for (const r of scenario.ratios ?? []) {
    const value = median(checked.map((c) => c[r.against]?.metrics[r.by] ?? NaN));
    if (Number.isFinite(value)) yardsticks[`${r.against}.${r.by}`] = significant(value);
  }
  const measuredAt = new Date().toISOString();
  const history = (await readReport(name))?.history ?? [];
  const lastMedians = history.at(-1)?.medians;
  const loadAvg = checked[0]?.load_avg_before?.[0];
  return {
    name,
    title: scenario.title,
    private_instances: privateReplicas,
    measured_at: measuredAt,
    machine: await machineInfo(),
    stack: {
      target: "native (deno task bench, free ports)",
      boot_ms: running.info.boot_ms,
      private_env: scenario.privateEnv ?? {},
      bridge_env: BRIDGE_ENV,
    },
    params,
    // Under the profiler the private entrypoint is slower: its ratios are not comparable.
    profiled: profile !== undefined,
    profile,
    postgres_statements: statements,
    setup_ms: setupMs,
    ratios: scenario.ratios ?? [],
    budgets,
    medians,
    // This run's ratio medians against the last comparable run's (within 15 %: they agree).
    // A profiled run is slower by design: it is neither compared nor kept in the history.
    agreement: profile ? [] : agreement(medians, lastMedians),
    yardsticks,
    yardstick_agreement: profile ? [] : agreement(yardsticks, history.at(-1)?.yardsticks),
    history: profile ? history : [
      ...history.slice(-19),
      { measured_at: measuredAt, load_avg_1m: loadAvg ?? null, medians, yardsticks },
    ],
    runs: checked,
    passed: checked.length > 0 && budgets.every((b) => b.passed),
  };
}

function printProfile(name: string, dir: string, profiles: ProfileSummary[]): void {
  profiles.forEach((p, i) => {
    console.log(
      `\n   CPU profile of private #${
        i + 1
      } (${dir}): ${p.busy_ms} ms busy of ${p.sampled_ms} ms ` +
        `sampled (${p.idle_pct} % idle); self time, % of busy:`,
    );
    console.log(`   areas: ${p.areas.slice(0, 10).map((a) => `${a.name} ${a.pct}`).join(", ")}`);
    for (const f of p.functions.slice(0, 15)) console.log(`     ${f.pct} %  ${f.name}`);
  });
  if (profiles.length === 0) console.log(`   ${name}: no CPU profile was written in ${dir}`);
}

function printStatements(statements: StatementCost[], log: string): void {
  console.log(
    `\n   PostgreSQL statements by execution time (pg_stat_statements, the runs; plans of ` +
      `statements over 20 ms in ${log}):`,
  );
  for (const s of statements.slice(0, 8)) {
    console.log(
      `     ${s.pct} %  ${s.calls} calls, ${s.mean_ms} ms (max ${s.max_ms}), per call ` +
        `${s.rows_per_call} rows, ${s.blocks_per_call} buffers, ${s.wal_per_call} WAL records: ` +
        s.query.slice(0, 100),
    );
  }
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
  const profile = values.profile === true;
  delete overrides.profile;
  const reports = [];
  for (const name of wanted) {
    const scenario = SCENARIOS.find((s) => s.name === name)!;
    for (const count of scenario.privateReplicas ?? [1]) {
      const dir = profile
        ? `${Deno.cwd()}/reports/bench/profile-${name}-${count}-${Date.now()}`
        : undefined;
      const report = await runScenario(scenario, overrides, count, dir);
      await writeReport(report);
      reports.push(report);
    }
  }
  printTable(reports);
  Deno.exit(reports.every((r) => r.passed) ? 0 : 1);
}
