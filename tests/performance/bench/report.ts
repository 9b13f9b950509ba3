/**
 * Benchmark reports: the machine description, `reports/bench/<name>.json`, and the table the
 * runner prints (one line per budget per run, with the machine's load and the busiest
 * processes of the window).
 */
import type { Ratio, RunResult } from "./scenarios.ts";
import type { Agreement, Verdict } from "./stability.ts";

export interface BenchReport {
  name: string;
  params: Record<string, number>;
  ratios?: Ratio[];
  budgets: Verdict[];
  medians: Record<string, number>;
  agreement: Agreement[];
  /** Medians of what the ratios divide by: the loop's figures and PostgreSQL's commit rate. */
  yardsticks?: Record<string, number>;
  /** The yardsticks against the last run's: how far the box itself moved between the two. */
  yardstick_agreement?: Agreement[];
  history: {
    measured_at: string;
    load_avg_1m: number | null;
    medians: Record<string, number>;
    yardsticks?: Record<string, number>;
  }[];
  runs: {
    index: number;
    metrics: Record<string, number>;
    ceiling?: RunResult;
    pg?: RunResult;
    cpu?: unknown;
    load_avg_before?: number[];
  }[];
  passed: boolean;
}

/** The last report written for this benchmark, if any (its history goes on). */
export async function readReport(name: string): Promise<BenchReport | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`reports/bench/${name}.json`)) as BenchReport;
  } catch {
    return null;
  }
}

async function cat(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

/** Cores, memory, CPU model and Deno version: the figures only mean something with these. */
export async function machineInfo() {
  const cpuinfo = await cat("/proc/cpuinfo");
  const meminfo = await cat("/proc/meminfo");
  const kib = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? NaN);
  return {
    cores: cpuinfo.split("\n").filter((l) => l.startsWith("processor")).length,
    cpu_model: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memory_gib: Math.round((kib / 1024 / 1024) * 10) / 10,
    deno: Deno.version.deno,
    layout: "every component (PostgreSQL, Redis, mock bridge, mock LLM, private, public) " +
      "and the load generator on this one machine",
  };
}

export async function writeReport(report: { name: string }): Promise<string> {
  await Deno.mkdir("reports/bench", { recursive: true });
  const path = `reports/bench/${report.name}.json`;
  await Deno.writeTextFile(path, JSON.stringify(report, null, 2) + "\n");
  return path;
}

function cell(value: unknown, width: number): string {
  const text = typeof value === "number" ? String(Math.round(value * 10) / 10) : String(value);
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** Three significant figures at most: 0.583, 7.2, 18.3, 347. */
function round(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  const digits = Math.abs(value) >= 100
    ? 0
    : Math.abs(value) >= 10
    ? 1
    : Math.abs(value) >= 1
    ? 2
    : 3;
  return String(Number(value.toFixed(digits)));
}

function busiest(cpu: unknown): string {
  const groups = (cpu as { groups?: Record<string, number> } | undefined)?.groups ?? {};
  return Object.entries(groups).slice(0, 4).map(([g, p]) => `${g} ${Math.round(p)}%`).join(", ");
}

export function printTable(reports: readonly BenchReport[]): void {
  const head = ["benchmark", "metric", "each run", "judged", "budget", "result", "spread"];
  const widths = [20, 24, 30, 9, 18, 7, 0];
  console.log("\n" + head.map((h, i) => cell(h, widths[i]!)).join(" "));
  for (const report of reports) {
    report.budgets.forEach((b, k) => {
      const row = [
        k === 0 ? report.name : "",
        b.metric,
        b.runs.map((v) => v === null ? "—" : round(v)).join(" / "),
        b.value === null ? "—" : round(b.value),
        `${b.op} ${b.limit} ${b.unit}`.trim(),
        b.passed ? "pass" : "FAIL",
        b.aggregate === "median" ? `${Math.round(b.spread * 100)} %` : "",
      ];
      console.log(row.map((c, i) => cell(c, widths[i]!)).join(" "));
    });
    const first = report.runs[0];
    console.log(
      `${cell("", widths[0]!)} load ${first?.load_avg_before?.[0] ?? "?"} before run 0; ` +
        `CPU in run 0: ${busiest(first?.cpu)}`,
    );
    for (const a of report.agreement) {
      console.log(
        `${cell("", widths[0]!)} ${a.metric} median ${a.now} vs ${a.last} last time: ` +
          `${Math.round(a.change * 100)} % apart (${a.agrees ? "agree" : "DISAGREE"}, ≤ 15 %)`,
      );
    }
    // What the ratios divide by, run against run: a quiet box keeps these level too.
    const moved = (report.yardstick_agreement ?? []).filter((a) => !a.agrees);
    if (moved.length > 0) {
      console.log(
        `${cell("", widths[0]!)} the box moved since last time: ` +
          moved.map((a) => `${a.metric} ${a.last} → ${a.now} (${Math.round(a.change * 100)} %)`)
            .join(", "),
      );
    }
  }
  const failed = reports.filter((r) => !r.passed).map((r) => r.name);
  console.log(
    failed.length ? `\nbudgets missed: ${failed.join(", ")}` : "\nall budgets met",
    "(details in reports/bench/<name>.json)",
  );
}
