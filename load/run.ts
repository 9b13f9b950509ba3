/**
 * `deno task load <script> [--profile ci|full] [--out dir] [-e KEY=VALUE]`: runs a k6 script
 * with k6 when it is installed, otherwise with the k6-compatible Deno runner in `runner/`,
 * then prints k6's end-of-test summary and writes `<out>/<script>.{json,html,txt}`.
 * Exit codes are k6's: 0 passed, 99 thresholds crossed (see runner/cli.ts for the rest).
 */

import { outputPaths, parseArgs, processEnv, resolveEnv, USAGE } from "./runner/cli.ts";
import { findK6, runWithK6 } from "./runner/k6_binary.ts";
import { banner, EXIT, RunError, runTest } from "./runner/engine.ts";
import { buildSummaryData, DEFAULT_TREND_STATS, legacyExport } from "./runner/summary.ts";
import { textSummary } from "./runner/summary_text.ts";
import { htmlReport } from "./runner/report_html.ts";
import { describeScenario } from "./runner/scenarios.ts";
import { formatClock, formatDuration } from "./runner/durations.ts";
import { run } from "./runner/state.ts";
import type { RunMeta } from "./runner/merge.ts";

async function writeOutputs(
  files: Record<string, string>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const dir = path.split("/").slice(0, -1).join("/");
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, content);
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(Deno.args);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.config;
  }
  const paths = outputPaths(args.script, args.outDir);
  const proc = processEnv();
  const engine = args.engine === "auto"
    ? (proc.LOAD_ENGINE as typeof args.engine | undefined) ?? "auto"
    : args.engine;
  let env: Record<string, string>;
  try {
    env = await resolveEnv(args, proc);
  } catch (err) {
    console.error(`ERRO ${(err as Error).message}`);
    return EXIT.config;
  }

  // The scripts read targets only from -e variables; say which ones the runner filled in from
  // the local stack, so the same run can be repeated on any runner (k6, k6-operator).
  const filled = ["PUBLIC_URL", "BRIDGE_URL", "SYSTEM_NUMBER"].filter((k) =>
    env[k] !== undefined && args.env[k] === undefined && proc[k] === undefined
  );
  if (filled.length) {
    console.error(`targets passed as ${filled.map((k) => `-e ${k}=${env[k]}`).join(" ")}`);
  }

  if (engine !== "deno") {
    const k6 = await findK6();
    if (k6) {
      console.error(`using ${k6.version} from PATH`);
      // k6 sees the process environment itself; pass what we added: stack URLs, aliases,
      // the profile and -e values.
      const overrides = Object.fromEntries(Object.entries(env).filter(([k, v]) => proc[k] !== v));
      await Deno.mkdir(args.outDir, { recursive: true });
      return await runWithK6(k6, {
        script: args.script,
        env: overrides,
        json: paths.json,
        html: paths.html,
        extra: [
          ...(args.segment ? ["--execution-segment", args.segment] : []),
          ...(args.segmentSequence ? ["--execution-segment-sequence", args.segmentSequence] : []),
          ...(args.jsonOut ? ["--out", `json=${args.jsonOut}`] : []),
        ],
      });
    }
    if (engine === "k6") {
      console.error("ERRO --engine k6: no k6 binary on PATH");
      return EXIT.config;
    }
  }

  let result;
  try {
    result = await runTest({
      scriptPath: args.script,
      env,
      segment: args.segment,
      segmentSequence: args.segmentSequence,
      jsonOut: args.jsonOut,
      onStart: (scenarios) =>
        console.log(
          banner(
            args.script,
            scenarios,
            [paths.json, paths.html, ...(args.jsonOut ? [`json=${args.jsonOut}`] : [])].join(", "),
            args.segment,
          ),
        ),
    });
  } catch (err) {
    if (err instanceof RunError) {
      console.error(`ERRO ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }

  const trendStats = (result.options.summaryTrendStats as string[] | undefined) ??
    DEFAULT_TREND_STATS;
  const data = buildSummaryData(result.thresholds, result.durationMs, trendStats);
  const footer = [
    `running (${formatClock(result.durationMs)}), 00/${
      String(result.vusMax).padStart(2, "0")
    } VUs, ` +
    `${run.iterationsCompleted} complete and ${run.iterationsInterrupted} interrupted iterations`,
    ...result.scenarios.map((s) =>
      `${s.name} ${result.abortReason ? "✗" : "✓"} [======================================] ${
        describeScenario(s).split(" (")[0]
      }  ${formatDuration(result.durationMs)}`
    ),
  ];
  const text = textSummary(data, footer);
  const profile = env.PROFILE ?? "(script default)";
  const files: Record<string, string> = {
    [paths.json]: legacyExport(data),
    [paths.txt]: text,
    [paths.html]: htmlReport(data, run.registry, {
      script: args.script,
      profile,
      startedAtIso: result.startedAtIso,
      exitCode: result.exitCode,
      scenarios: result.scenarios.map((s) => `${s.name}: ${describeScenario(s)}`),
      engine: "zapa deno runner (k6-compatible)",
      abortReason: result.abortReason,
    }),
  };

  if (args.jsonOut) {
    // Beside the raw samples: what `deno task load:merge` needs to decide on the whole test.
    const meta: RunMeta = {
      script: args.script,
      profile,
      runId: env.RUN_ID,
      segment: result.segment,
      segmentSequence: args.segmentSequence,
      thresholds: (result.options.thresholds ?? {}) as Record<string, unknown>,
      summaryTrendStats: trendStats,
      startedAt: result.startedAtIso,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
    };
    files[args.jsonOut.replace(/\.[a-z]+$/, ".meta.json")] = JSON.stringify(meta, null, 2);
  }

  const handle = result.module.handleSummary;
  if (typeof handle === "function") {
    const custom = (await handle(data)) as Record<string, string | ArrayBuffer> | undefined;
    for (const [dest, content] of Object.entries(custom ?? {})) {
      const s = typeof content === "string" ? content : new TextDecoder().decode(content);
      if (dest === "stdout") console.log(s);
      else if (dest === "stderr") console.error(s);
      else files[dest] = s;
    }
  } else console.log(text);

  let exitCode = result.exitCode;
  try {
    await writeOutputs(files);
    console.error(`reports: ${paths.txt}, ${paths.json}, ${paths.html}`);
  } catch (err) {
    // deno task load may only write under reports/; the run's verdict still stands.
    console.error(`ERRO cannot write the reports to ${args.outDir}: ${(err as Error).message}`);
    if (exitCode === EXIT.ok) exitCode = EXIT.engine;
  }
  if (!result.thresholdsOk) {
    const crossed = [...new Set(result.thresholds.filter((t) => !t.ok).map((t) => t.metricKey))];
    console.error(
      `ERRO[${formatClock(result.durationMs)}] thresholds on metrics '${
        crossed.join("', '")
      }' have been crossed`,
    );
  }
  if (result.abortReason) console.error(`ERRO test aborted: ${result.abortReason}`);
  if (run.markedFailed) console.error(`ERRO test marked as failed: ${run.markedFailed}`);
  return exitCode;
}

if (import.meta.main) Deno.exit(await main());
