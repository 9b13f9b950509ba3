/**
 * `deno task load:merge reports/load/run-*\/`: merges the raw samples of the N runners of one
 * split test (`--out json=…` of each runner, ours or k6's) and decides the script's thresholds
 * on the whole test's data: one summary, one JSON export and one HTML report; exit 99 when a
 * threshold is crossed, as k6 would for a single runner.
 */

import { EXIT } from "./runner/engine.ts";
import {
  mergeRunners,
  readJsonLines,
  type RunMeta,
  type RunnerData,
  scanRunners,
  thresholdsOf,
} from "./runner/merge.ts";
import { buildSummaryData, DEFAULT_TREND_STATS, legacyExport } from "./runner/summary.ts";
import { textSummary } from "./runner/summary_text.ts";
import { htmlReport } from "./runner/report_html.ts";
import { formatClock } from "./runner/durations.ts";
import { run } from "./runner/state.ts";

export const MERGE_USAGE =
  `usage: deno task load:merge <runner folder or file>... [--out reports/load/merged] [--script <script.ts> [-e KEY=VALUE]...]

Each runner folder holds one runner's --out json=<file> (k6's JSON lines) and, when our runner
wrote it, <file>.meta.json with the script's thresholds. For k6's own files give --script (and
the -e values the runners had) so sub-metric thresholds are read from the script's options.`;

interface MergeArgs {
  inputs: string[];
  outDir: string;
  script?: string;
  env: Record<string, string>;
}

export function parseMergeArgs(argv: string[]): MergeArgs {
  const out: MergeArgs = { inputs: [], outDir: "reports/load/merged", env: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--out") out.outDir = next();
    else if (arg === "--script") out.script = next();
    else if (arg === "-e") {
      const kv = next();
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`-e expects KEY=VALUE, got ${JSON.stringify(kv)}`);
      out.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
    else out.inputs.push(arg.replace(/\/+$/, ""));
  }
  if (out.inputs.length === 0) throw new Error("give at least one runner folder or file");
  return out;
}

/** Whether the file is k6 JSON output: its first line is a Metric or Point line. */
async function isJsonLines(path: string): Promise<boolean> {
  try {
    for await (const _ of readJsonLines(path)) return true;
    return false;
  } catch {
    return false;
  }
}

/** The runner outputs under the given folders (or files). */
export async function readRunners(inputs: string[]): Promise<RunnerData[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await Deno.stat(input).catch(() => null);
    if (!info) throw new Error(`${input}: no such file or folder`);
    if (info.isFile) {
      files.push(input);
      continue;
    }
    const found: string[] = [];
    for await (const e of Deno.readDir(input)) {
      if (e.isFile && /\.(json|ndjson|jsonl)$/.test(e.name) && !e.name.endsWith(".meta.json")) {
        if (await isJsonLines(`${input}/${e.name}`)) found.push(`${input}/${e.name}`);
      }
    }
    if (found.length === 0) throw new Error(`${input}: no k6 JSON output (--out json=…) in it`);
    files.push(...found.sort());
  }
  const runners: RunnerData[] = [];
  for (const file of files) {
    const meta = await Deno.readTextFile(file.replace(/\.[a-z]+$/, ".meta.json"))
      .then((t) => JSON.parse(t) as RunMeta)
      .catch(() => undefined);
    runners.push({ name: file, lines: () => readJsonLines(file), meta });
  }
  return runners;
}

/** Thresholds from the script's own options, for k6-written files (no meta). */
async function scriptThresholds(
  script: string,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  run.env = { ...env };
  const mod = await import(new URL(script, `file://${Deno.cwd()}/`).href);
  return (mod.options?.thresholds ?? {}) as Record<string, unknown>;
}

async function main(argv: string[]): Promise<number> {
  let args: MergeArgs;
  let runners: RunnerData[];
  let thresholds: Record<string, unknown>;
  let scan;
  try {
    args = parseMergeArgs(argv);
    runners = await readRunners(args.inputs);
    scan = await scanRunners(runners);
    const fallback = args.script ? await scriptThresholds(args.script, args.env) : undefined;
    thresholds = thresholdsOf(runners, scan, fallback);
  } catch (err) {
    console.error(`ERRO ${(err as Error).message}\n\n${MERGE_USAGE}`);
    return EXIT.config;
  }
  let merged;
  try {
    merged = await mergeRunners(runners, scan, thresholds);
  } catch (err) {
    console.error(`ERRO ${(err as Error).message}`);
    return EXIT.config;
  }
  const meta = runners.find((r) => r.meta)?.meta;
  const script = meta?.script ?? args.script ?? "merged";
  const base = script.split("/").pop()?.replace(/\.(ts|js|mjs)$/, "") ?? "merged";
  const trendStats = meta?.summaryTrendStats ?? DEFAULT_TREND_STATS;
  const data = buildSummaryData(merged.thresholds, merged.durationMs, trendStats);
  const exitCode = merged.thresholdsOk ? EXIT.ok : EXIT.thresholds;
  const footer = [
    `merged ${runners.length} runners (${formatClock(merged.durationMs)}):`,
    ...merged.runners.map((r) => `  ${r.segment.padEnd(12)} ${r.points} samples  ${r.name}`),
  ];
  const text = textSummary(data, footer);
  const dir = args.outDir.replace(/\/+$/, "");
  const paths = {
    txt: `${dir}/${base}.txt`,
    json: `${dir}/${base}.json`,
    html: `${dir}/${base}.html`,
  };
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(paths.txt, text);
    await Deno.writeTextFile(paths.json, legacyExport(data));
    await Deno.writeTextFile(
      paths.html,
      htmlReport(data, merged.registry, {
        script,
        profile: meta?.profile ?? "(script default)",
        startedAtIso: merged.startedAtIso,
        exitCode,
        scenarios: merged.runners.map((r) => `runner ${r.segment}: ${r.name}`),
        engine: `merge of ${runners.length} runners' raw samples`,
      }),
    );
  } catch (err) {
    console.error(`ERRO cannot write the merged reports to ${dir}: ${(err as Error).message}`);
    return EXIT.engine;
  }
  console.log(text);
  console.error(`reports: ${paths.txt}, ${paths.json}, ${paths.html}`);
  if (!merged.thresholdsOk) {
    const crossed = [...new Set(merged.thresholds.filter((t) => !t.ok).map((t) => t.metricKey))];
    console.error(`ERRO thresholds on metrics '${crossed.join("', '")}' have been crossed`);
  }
  return exitCode;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
