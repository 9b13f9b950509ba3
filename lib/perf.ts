/**
 * Performance figures for the report: percentiles over samples, and `recordPerf()` which
 * writes one section per benchmark to `reports/perf/<section>.json` and rebuilds
 * `reports/perf.json` from all sections (so parallel perf files do not overwrite each other).
 */

export interface Summary {
  count: number;
  min: number;
  avg: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    count: sorted.length,
    min: round(sorted[0] ?? NaN),
    avg: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
    median: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export interface PerfSection {
  title: string;
  unit: "ms" | "s" | "req/s";
  figures: Record<string, Summary | number>;
  budgets: Record<string, string>;
  passed: boolean;
  measured_at?: string;
}

const DIR = "reports/perf";

export async function recordPerf(name: string, section: PerfSection): Promise<void> {
  await Deno.mkdir(DIR, { recursive: true });
  const value = { ...section, measured_at: new Date().toISOString() };
  await Deno.writeTextFile(`${DIR}/${name}.json`, JSON.stringify(value, null, 2) + "\n");
  const merged: Record<string, unknown> = {};
  for await (const entry of Deno.readDir(DIR)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    try {
      merged[entry.name.slice(0, -5)] = JSON.parse(await Deno.readTextFile(`${DIR}/${entry.name}`));
    } catch {
      // A section being written right now; the next rebuild picks it up.
    }
  }
  const temporary = `reports/perf.json.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(merged, null, 2) + "\n");
  await Deno.rename(temporary, "reports/perf.json");
}
