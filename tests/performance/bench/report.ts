/**
 * Benchmark reports: the machine description, `reports/bench/<name>.json`, and the table the
 * runner prints (one line per budget per run, with the machine's load and the busiest
 * processes of the window).
 */
import type { BudgetCheck, Ratio, RunResult } from "./scenarios.ts";

export interface BenchReport {
  name: string;
  params: Record<string, number>;
  ratios?: Ratio[];
  runs: {
    index: number;
    metrics: Record<string, number>;
    ceiling?: RunResult;
    pg?: RunResult;
    budgets: BudgetCheck[];
    passed: boolean;
    cpu?: unknown;
    load_avg_before?: number[];
  }[];
  passed: boolean;
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

function round(value: number | undefined): string {
  return value === undefined ? "—" : String(Math.round(value * 10) / 10);
}

function busiest(cpu: unknown): string {
  const groups = (cpu as { groups?: Record<string, number> } | undefined)?.groups ?? {};
  return Object.entries(groups).slice(0, 4).map(([g, p]) => `${g} ${Math.round(p)}%`).join(", ");
}

export function printTable(reports: readonly BenchReport[]): void {
  const head = [
    "benchmark",
    "run",
    "metric",
    "value",
    "budget",
    "result",
    "load 1m",
    "CPU (% of a core)",
  ];
  const widths = [13, 4, 22, 24, 18, 7, 8, 0];
  console.log("\n" + head.map((h, i) => cell(h, widths[i]!)).join(" "));
  for (const report of reports) {
    for (const run of report.runs) {
      run.budgets.forEach((b, k) => {
        const ratio = report.ratios?.find((r) => r.metric === b.metric);
        const against = ratio ? run[ratio.against]?.metrics[ratio.by] : undefined;
        const row = [
          k === 0 ? report.name : "",
          k === 0 ? run.index : "",
          b.metric,
          ratio
            ? `${b.value ?? "—"} (${round(run.metrics[ratio.of])} / ${round(against)})`
            : b.value ?? "—",
          `${b.op} ${b.limit} ${b.unit}`.trim(),
          b.passed ? "pass" : "FAIL",
          k === 0 ? (run.load_avg_before?.[0] ?? "") : "",
          k === 0 ? busiest(run.cpu) : "",
        ];
        console.log(row.map((c, i) => cell(c, widths[i]!)).join(" "));
      });
    }
  }
  const failed = reports.filter((r) => !r.passed).map((r) => r.name);
  console.log(
    failed.length ? `\nbudgets missed: ${failed.join(", ")}` : "\nall budgets met",
    "(details in reports/bench/<name>.json)",
  );
}
