/**
 * `deno task flaky [--runs N] [--group G …] [--busy N] [-- deno test args]`: runs the test
 * command N times, each on fresh stacks and into its own report folder, then tells per test how
 * many runs it took part in and how often it failed, with the first failure's text. A test that
 * failed in some runs and passed in others is flaky; the command exits 1 when any test flaked or
 * failed. `--busy N` keeps N CPU busy loops running beside the suite (the CPU-pressure variant).
 *
 * Results: reports/flaky/<stamp>/run-<i>/ (each run's JUnit XML, report and logs),
 * reports/flaky/<stamp>/summary.json, and a copy of the summary in reports/history/.
 */

import { type JunitCase, parseJunitCases } from "./deno_summary.ts";

export interface FlakyOptions {
  runs: number;
  groups: string[];
  busy: number;
  passthrough: string[];
}

export function parseFlakyArgs(args: readonly string[]): FlakyOptions {
  const options: FlakyOptions = { runs: 5, groups: [], busy: 0, passthrough: [] };
  const count = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${flag} needs a whole number, got ${value}`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--runs") options.runs = Math.max(1, count("--runs", value()));
    else if (flag === "--group") options.groups.push(...(value() ?? "").split(",").filter(Boolean));
    else if (flag === "--busy") options.busy = count("--busy", value());
    else if (arg === "--") options.passthrough.push(...args.slice(i + 1)), i = args.length;
    else options.passthrough.push(arg);
  }
  return options;
}

export interface TestRecord {
  name: string;
  file: string;
  runs: number;
  failures: number;
  /** 1-based numbers of the runs it failed in. */
  failed_runs: number[];
  first_failure?: string;
}

/** Per test, across runs: how often it ran and failed (skipped cases do not count as runs). */
export function tally(runs: readonly JunitCase[][]): TestRecord[] {
  const records = new Map<string, TestRecord>();
  runs.forEach((cases, index) => {
    for (const c of cases) {
      if (c.status === "skipped") continue;
      const key = `${c.file}\u0000${c.name}`;
      const record = records.get(key) ??
        { name: c.name, file: c.file, runs: 0, failures: 0, failed_runs: [] };
      record.runs++;
      if (c.status === "failed") {
        record.failures++;
        record.failed_runs.push(index + 1);
        record.first_failure ??= c.failure ?? "(no message)";
      }
      records.set(key, record);
    }
  });
  return [...records.values()].sort((a, b) =>
    b.failures - a.failures || a.file.localeCompare(b.file) || a.name.localeCompare(b.name)
  );
}

/** Flaky: failed in some runs and passed in others. Broken: failed in every run it ran in. */
export function verdictOf(record: TestRecord): "stable" | "flaky" | "broken" {
  if (record.failures === 0) return "stable";
  return record.failures < record.runs ? "flaky" : "broken";
}

async function readRunCases(dir: string): Promise<JunitCase[]> {
  const cases: JunitCase[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!/^junit-.*\.xml$/.test(entry.name)) continue;
    cases.push(...parseJunitCases(await Deno.readTextFile(`${dir}/${entry.name}`)));
  }
  return cases;
}

/** N processes spinning on a core each, for as long as the returned stop() is not called. */
function busyLoops(n: number): () => void {
  const children = Array.from({ length: n }, () =>
    new Deno.Command("deno", {
      args: ["eval", "for (;;) {}"],
      stdout: "null",
      stderr: "null",
    }).spawn());
  return () => {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  };
}

function excerpt(text: string, lines = 6): string {
  return text.split("\n").slice(0, lines).map((l) => `      ${l}`).join("\n");
}

async function main(args: string[]): Promise<number> {
  const options = parseFlakyArgs(args);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const root = `reports/flaky/${stamp}`;
  await Deno.mkdir(root, { recursive: true });
  const stopBusy = busyLoops(options.busy);
  const runs: { run: number; exit: number; seconds: number; dir: string }[] = [];
  const cases: JunitCase[][] = [];
  try {
    for (let run = 1; run <= options.runs; run++) {
      const dir = `${root}/run-${run}`;
      console.log(
        `\n### flaky: run ${run} of ${options.runs}${
          options.groups.length ? ` (${options.groups.join(", ")})` : ""
        }${options.busy ? `, ${options.busy} busy loops beside it` : ""} → ${dir}`,
      );
      const started = performance.now();
      const { code } = await new Deno.Command("deno", {
        args: [
          "run",
          "-P=stack",
          "lib/runner/test_command.ts",
          ...options.groups.map((g) => `--group=${g}`),
          ...options.passthrough,
        ],
        env: { ZAPA_REPORTS_DIR: dir },
        stdout: "inherit",
        stderr: "inherit",
      }).output();
      const seconds = (performance.now() - started) / 1000;
      runs.push({ run, exit: code, seconds: Math.round(seconds * 10) / 10, dir });
      cases.push(await readRunCases(dir).catch(() => []));
    }
  } finally {
    stopBusy();
  }

  const records = tally(cases);
  const flaky = records.filter((r) => verdictOf(r) === "flaky");
  const broken = records.filter((r) => verdictOf(r) === "broken");
  // A run that failed without any failed test case (a stack that did not boot, a module that
  // did not load) is a failure too, or a broken harness would read as "no flaky test".
  const unexplained = runs.filter((r, i) =>
    r.exit !== 0 && !cases[i]!.some((c) => c.status === "failed")
  );
  const summary = {
    started_at: stamp,
    runs,
    groups: options.groups.length ? options.groups : ["all"],
    busy_loops: options.busy,
    tests: records.length,
    flaky: flaky.length,
    broken: broken.length,
    failed_runs_without_a_failed_test: unexplained.map((r) => r.run),
    records,
  };
  const json = JSON.stringify(summary, null, 2);
  await Deno.writeTextFile(`${root}/summary.json`, json);
  await Deno.mkdir("reports/history", { recursive: true });
  await Deno.writeTextFile(`reports/history/flaky-${stamp}.json`, json);

  console.log(`\n=== flaky: ${options.runs} runs, ${records.length} tests ===`);
  for (const r of runs) {
    console.log(`run ${r.run}: exit ${r.exit}, ${r.seconds.toFixed(1)} s`);
  }
  for (const record of [...broken, ...flaky]) {
    console.log(
      `${
        verdictOf(record).toUpperCase()
      } ${record.name} (${record.file}): failed ${record.failures} of ${record.runs} runs (${
        record.failed_runs.join(", ")
      })\n${excerpt(record.first_failure ?? "")}`,
    );
  }
  for (const r of unexplained) {
    console.log(
      `run ${r.run} failed (exit ${r.exit}) with no failed test: see ${r.dir}/index.html`,
    );
  }
  console.log(`summary: ${root}/summary.json`);
  const bad = flaky.length + broken.length + unexplained.length;
  console.log(bad === 0 ? "no flaky test" : `${flaky.length} flaky, ${broken.length} broken`);
  return bad === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`flaky: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
