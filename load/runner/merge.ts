/**
 * Merging the raw samples of N runners of one split test (k6's `--out json` lines, ours or
 * k6's own) into one registry, so the script's thresholds are decided on the whole test's data
 * rather than per runner: trends keep every sample, counters and rates add up, gauges (VUs)
 * are summed over runners, checks are rebuilt from the `checks` samples.
 */

import {
  addSample,
  BUCKET_MS,
  type MetricType,
  type Registry,
  Series,
  type Tags,
} from "./metrics.ts";
import { groupAt, resetRun, run } from "./state.ts";
import {
  bindThresholds,
  evaluateThresholds,
  parseThresholds,
  type Threshold,
} from "./thresholds.ts";
import type { MetricLine, PointLine } from "./json_output.ts";

/** What our runner writes beside its JSON lines (`<file>.meta.json`): the run's facts. */
export interface RunMeta {
  script: string;
  profile?: string;
  runId?: string;
  segment: string;
  segmentSequence?: string;
  thresholds: Record<string, unknown>;
  summaryTrendStats?: string[];
  startedAt: string;
  durationMs: number;
  exitCode: number;
}

/** One runner's raw output, read as a stream: a full run has millions of samples. */
export interface RunnerData {
  name: string;
  lines: () => AsyncIterable<MetricLine | PointLine>;
  meta?: RunMeta;
}

/** What a first pass over all runners finds: metric declarations and the time span. */
export interface Scan {
  metrics: Map<string, MetricLine>;
  t0: number;
  t1: number;
}

export interface MergeResult {
  thresholds: Threshold[];
  thresholdsOk: boolean;
  durationMs: number;
  startedAtIso: string;
  registry: Registry;
  runners: { name: string; segment: string; points: number }[];
}

/** Parses one k6 JSON line; anything but a Metric or Point line is an error naming the line. */
export function parseJsonLine(line: string, where: string): MetricLine | PointLine {
  let value: { type?: string; metric?: string; data?: unknown };
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  if ((value.type !== "Metric" && value.type !== "Point") || typeof value.metric !== "string") {
    throw new Error(`${where}: not a k6 JSON output line (type Metric or Point)`);
  }
  return value as MetricLine | PointLine;
}

/** The lines of a k6 JSON output file, parsed one by one as they are read. */
export async function* readJsonLines(path: string): AsyncIterable<MetricLine | PointLine> {
  const file = await Deno.open(path);
  let rest = "";
  let n = 0;
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      n++;
      if (line.trim()) yield parseJsonLine(line, `${path}:${n}`);
    }
  }
  if (rest.trim()) yield parseJsonLine(rest, `${path}:${n + 1}`);
}

/** First pass: every metric declared, and the first and last sample time. */
export async function scanRunners(runners: RunnerData[]): Promise<Scan> {
  const scan: Scan = { metrics: new Map(), t0: Infinity, t1: -Infinity };
  for (const r of runners) {
    for await (const l of r.lines()) {
      if (l.type === "Metric") scan.metrics.set(l.metric, l);
      else {
        const t = Date.parse(l.data.time);
        if (t < scan.t0) scan.t0 = t;
        if (t > scan.t1) scan.t1 = t;
      }
    }
  }
  return scan;
}

/** Thresholds all runners share: their meta files must agree, or k6's Metric lines are used. */
export function thresholdsOf(
  runners: RunnerData[],
  scan: Scan,
  fallback?: Record<string, unknown>,
): Record<string, unknown> {
  const metas = runners.map((r) => r.meta).filter((m): m is RunMeta => m !== undefined);
  if (metas.length) {
    const first = JSON.stringify(metas[0]?.thresholds ?? {});
    const odd = metas.find((m) => JSON.stringify(m.thresholds) !== first);
    if (odd) {
      throw new Error(
        `the runners ran different thresholds (${odd.script} ${odd.segment}): merge runs of one test`,
      );
    }
    return metas[0]?.thresholds ?? {};
  }
  if (fallback) return fallback;
  // k6's own files: thresholds are listed on each metric's Metric line (sub-metric ones are
  // not written by k6; pass --script to read them from the script's options).
  const out: Record<string, string[]> = {};
  for (const l of scan.metrics.values()) {
    if (l.data.thresholds?.length) out[l.metric] = l.data.thresholds;
  }
  return out;
}

/** Replays every runner's samples into a fresh registry and evaluates the thresholds on it. */
export async function mergeRunners(
  runners: RunnerData[],
  scan: Scan,
  rawThresholds: Record<string, unknown>,
): Promise<MergeResult> {
  if (runners.length === 0) throw new Error("nothing to merge: no runner output given");
  resetRun();
  const registry = run.registry;
  for (const l of scan.metrics.values()) {
    registry.define(l.metric, l.data.type as MetricType, contains(l));
  }
  const thresholds = parseThresholds(rawThresholds as never);
  bindThresholds(thresholds, registry);
  const { t0, t1 } = scan;
  // Gauges (vus, vus_max) are per runner: the whole test's value is the sum over runners.
  const gauges = new Map<string, { last: number; min: number; max: number; count: number }>();
  const summary: MergeResult["runners"] = [];
  // Per gauge and second: the sum over runners of each runner's mean (the charts' VUs).
  const gaugeSeconds = new Map<string, number[]>();
  for (const r of runners) {
    const perRunner = new Map<string, { last: number; min: number; max: number; count: number }>();
    const runnerSeries = new Map<string, Series>();
    let points = 0;
    for await (const l of r.lines()) {
      if (l.type !== "Point") continue;
      const metric = registry.metrics.get(l.metric);
      if (!metric) throw new Error(`${r.name}: sample of undeclared metric ${l.metric}`);
      const tags: Tags = l.data.tags ?? {};
      points++;
      if (metric.type === "gauge") {
        const g = perRunner.get(l.metric) ?? { last: 0, min: Infinity, max: -Infinity, count: 0 };
        g.last = l.data.value;
        g.min = Math.min(g.min, l.data.value);
        g.max = Math.max(g.max, l.data.value);
        g.count++;
        perRunner.set(l.metric, g);
        const series = runnerSeries.get(l.metric) ?? new Series(false);
        series.add(Date.parse(l.data.time) - t0, l.data.value);
        runnerSeries.set(l.metric, series);
        continue;
      }
      addSample(metric, l.data.value, tags, Date.parse(l.data.time) - t0);
      if (l.metric === "checks" && tags.check) {
        countCheck(tags.group ?? "", tags.check, l.data.value);
      }
    }
    for (const [name, series] of runnerSeries) {
      const seconds = gaugeSeconds.get(name) ?? [];
      series.buckets.forEach((b, i) =>
        seconds[i] = (seconds[i] ?? 0) + (b.count ? b.sum / b.count : 0)
      );
      gaugeSeconds.set(name, seconds);
    }
    for (const [name, g] of perRunner) {
      const sum = gauges.get(name) ?? { last: 0, min: 0, max: 0, count: 0 };
      gauges.set(name, {
        last: sum.last + g.last,
        min: sum.min + g.min,
        max: sum.max + g.max,
        count: sum.count + g.count,
      });
    }
    summary.push({ name: r.name, segment: r.meta?.segment ?? "?", points });
  }
  for (const [name, g] of gauges) {
    const metric = registry.metrics.get(name);
    if (!metric) continue;
    Object.assign(metric.sink, { last: g.last, min: g.min, max: g.max, count: g.count });
    const seconds = gaugeSeconds.get(name) ?? [];
    for (let i = 0; i < seconds.length; i++) metric.series.add(i * BUCKET_MS, seconds[i] ?? 0);
  }
  // The test lasted as long as its longest runner (they run side by side).
  const durations = runners.map((r) => r.meta?.durationMs ?? 0);
  const durationMs = Math.max(...durations, Number.isFinite(t1 - t0) ? t1 - t0 : 0);
  const thresholdsOk = evaluateThresholds(thresholds, durationMs);
  const starts = runners.map((r) => r.meta?.startedAt).filter((s): s is string => !!s).sort();
  return {
    thresholds,
    thresholdsOk,
    durationMs,
    startedAtIso: starts[0] ?? new Date(t0).toISOString(),
    registry,
    runners: summary,
  };
}

function contains(l: MetricLine): "default" | "time" | "data" {
  const c = l.data.contains;
  return c === "time" || c === "data" ? c : "default";
}

function countCheck(groupPath: string, name: string, value: number): void {
  const node = groupAt(groupPath);
  let stat = node.checks.get(name);
  if (!stat) {
    stat = { name, path: `${node.path}::${name}`, passes: 0, fails: 0 };
    node.checks.set(name, stat);
  }
  if (value !== 0) stat.passes++;
  else stat.fails++;
}
