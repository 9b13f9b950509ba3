/**
 * End-of-test data in k6's `handleSummary()` shape, and its legacy `--summary-export` form
 * (metrics flattened to their values, thresholds as `{source: failed}`, groups and checks
 * keyed by name).
 */

import type { Metric, MetricType, Sink } from "./metrics.ts";
import type { Threshold } from "./thresholds.ts";
import { type GroupStat, run } from "./state.ts";

export const DEFAULT_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"];

export interface SummaryMetric {
  type: MetricType;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
}

/** A stable short id for a group or check path (k6 uses an MD5 of the path). */
export function pathId(path: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < path.length; i++) {
    h1 = Math.imul(h1 ^ path.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ path.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  return (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(2);
}

export function sinkValues(
  type: MetricType,
  sink: Sink,
  durationMs: number,
  trendStats: string[],
): Record<string, number> {
  switch (type) {
    case "trend":
      return Object.fromEntries(
        trendStats.map((s) => [s, s === "count" ? sink.count : sink.aggregate(s, durationMs)]),
      );
    case "counter":
      return { count: sink.sum, rate: sink.aggregate("rate", durationMs) };
    case "rate":
      return {
        rate: sink.aggregate("rate", durationMs),
        passes: sink.nonZero,
        fails: sink.count - sink.nonZero,
      };
    case "gauge":
      return { value: sink.last, min: sink.count ? sink.min : 0, max: sink.count ? sink.max : 0 };
  }
}

function group(g: GroupStat): SummaryGroup {
  return {
    name: g.name,
    path: g.path,
    id: pathId(g.path),
    groups: [...g.groups.values()].map(group),
    checks: [...g.checks.values()].map((c) => ({ ...c, id: pathId(c.path) })),
  };
}

export function buildSummaryData(
  thresholds: Threshold[],
  durationMs: number,
  trendStats: string[] = DEFAULT_TREND_STATS,
): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  const byKey = new Map<string, Threshold[]>();
  for (const t of thresholds) {
    const key = canonicalKey(t.metricKey);
    byKey.set(key, [...(byKey.get(key) ?? []), t]);
  }
  const put = (key: string, m: Metric, sink: Sink) => {
    const ts = byKey.get(key);
    if (sink.count === 0 && !ts) return;
    metrics[key] = {
      type: m.type,
      contains: m.contains,
      values: sinkValues(m.type, sink, durationMs, trendStats),
      ...(ts
        ? { thresholds: Object.fromEntries(ts.map((t) => [t.source, { ok: Boolean(t.ok) }])) }
        : {}),
    };
  };
  for (const m of [...run.registry.metrics.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    put(m.name, m, m.sink);
    for (const sub of m.submetrics) {
      if (m.sink.count > 0 || byKey.has(sub.name)) put(sub.name, m, sub.sink);
    }
  }
  return {
    root_group: group(run.rootGroup),
    options: { summaryTrendStats: trendStats, summaryTimeUnit: "", noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: durationMs },
    metrics,
  };
}

/** `name{a:b}` as the registry names sub-metrics (whitespace and quotes removed). */
export function canonicalKey(key: string): string {
  const open = key.indexOf("{");
  if (open < 0) return key.trim();
  const tags = key.trimEnd().slice(open + 1, -1).split(",").filter((p) => p.trim()).map((p) => {
    const i = p.indexOf(":");
    return `${p.slice(0, i).trim()}:${p.slice(i + 1).trim().replace(/^(["'`])(.*)\1$/, "$2")}`;
  });
  return `${key.slice(0, open).trim()}{${tags.join(",")}}`;
}

interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, LegacyGroup>;
  checks: Record<string, SummaryCheck>;
}

function legacyGroup(g: SummaryGroup): LegacyGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: Object.fromEntries(g.groups.map((c) => [c.name, legacyGroup(c)])),
    checks: Object.fromEntries(g.checks.map((c) => [c.name, c])),
  };
}

/** The JSON `k6 run --summary-export` writes. */
export function legacyExport(data: SummaryData): string {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [name, m] of Object.entries(data.metrics)) {
    const values: Record<string, unknown> = { ...m.values };
    if (m.type === "rate") {
      values.value = values.rate;
      delete values.rate;
    }
    if (m.thresholds) {
      values.thresholds = Object.fromEntries(
        Object.entries(m.thresholds).map(([s, t]) => [s, !t.ok]),
      );
    }
    metrics[name] = values;
  }
  return JSON.stringify({ root_group: legacyGroup(data.root_group), metrics }, null, 4);
}
