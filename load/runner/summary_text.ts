/**
 * The end-of-test summary as k6 (v1, compact mode) prints it: THRESHOLDS, TOTAL RESULTS with
 * checks and metrics by category (CUSTOM, HTTP, EXECUTION, NETWORK), then one block per group.
 */

import type { SummaryData, SummaryGroup, SummaryMetric } from "./summary.ts";

const OK = "✓";
const FAIL = "✗";

const CATEGORY: Record<string, string> = {
  http_req_duration: "HTTP",
  http_req_failed: "HTTP",
  http_reqs: "HTTP",
  http_req_waiting: "HTTP",
  http_req_receiving: "HTTP",
  http_req_sending: "HTTP",
  iterations: "EXECUTION",
  iteration_duration: "EXECUTION",
  dropped_iterations: "EXECUTION",
  vus: "EXECUTION",
  vus_max: "EXECUTION",
  group_duration: "EXECUTION",
  data_received: "NETWORK",
  data_sent: "NETWORK",
};

function trimZeros(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, "") || "0";
}

export function humanizeDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (Math.abs(ms) < 0.001) return `${trimZeros(ms * 1e6, 0)}ns`;
  if (Math.abs(ms) < 1) return `${trimZeros(ms * 1000, 2)}µs`;
  if (Math.abs(ms) < 1000) return `${trimZeros(ms, 2)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${trimZeros(s, 2)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${trimZeros(s - m * 60, 1)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${trimZeros(s - m * 60, 0)}s`;
}

export function humanizeBytes(b: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${i === 0 || b >= 10 ? Math.round(b) : b.toFixed(1)} ${units[i]}`;
}

export function humanizeValue(v: number, m: Pick<SummaryMetric, "type" | "contains">): string {
  if (m.type === "rate") return `${(Math.trunc(v * 10000) / 100).toFixed(2)}%`;
  if (m.contains === "time") return humanizeDuration(v);
  if (m.contains === "data") return humanizeBytes(v);
  return trimZeros(v, 6);
}

/** Value column and extras of a non-trend metric. */
function nonTrend(m: SummaryMetric): [string, string[]] {
  const v = m.values;
  switch (m.type) {
    case "counter":
      return [humanizeValue(v.count ?? 0, m), [
        `${m.contains === "data" ? humanizeBytes(v.rate ?? 0) : trimZeros(v.rate ?? 0, 6)}/s`,
      ]];
    case "rate":
      return [humanizeValue(v.rate ?? 0, m), [
        `${v.passes} out of ${(v.passes ?? 0) + (v.fails ?? 0)}`,
      ]];
    case "gauge":
      return [humanizeValue(v.value ?? 0, m), [
        `min=${humanizeValue(v.min ?? 0, m)}`,
        `max=${humanizeValue(v.max ?? 0, m)}`,
      ]];
    default:
      return ["", []];
  }
}

function trendCols(m: SummaryMetric, stats: string[]): string[] {
  return stats.map((s) =>
    `${s}=${s === "count" ? String(m.values[s]) : humanizeValue(m.values[s] ?? 0, m)}`
  );
}

interface Layout {
  nameWidth: number;
  valueWidth: number;
  trendWidths: number[];
}

function displayName(n: string, metrics: Record<string, SummaryMetric>): string {
  const i = n.indexOf("{");
  return i > 0 && metrics[n.slice(0, i)] ? `  { ${n.slice(i + 1, -1)} }` : n;
}

/** Column widths shared by every metric line, so the whole summary lines up as in k6. */
function layout(names: string[], metrics: Record<string, SummaryMetric>, stats: string[]): Layout {
  const trends = names.filter((n) => metrics[n]?.type === "trend");
  return {
    nameWidth: Math.max(0, ...names.map((n) => displayName(n, metrics).length)) + 3,
    valueWidth: Math.max(0, ...names.map((n) => nonTrend(metrics[n] as SummaryMetric)[0].length)),
    trendWidths: stats.map((_, i) =>
      Math.max(
        0,
        ...trends.map((n) => (trendCols(metrics[n] as SummaryMetric, stats)[i] ?? "").length),
      )
    ),
  };
}

function metricLines(
  names: string[],
  metrics: Record<string, SummaryMetric>,
  stats: string[],
  l: Layout,
): string[] {
  return names.map((n) => {
    const m = metrics[n] as SummaryMetric;
    const label = displayName(n, metrics);
    const dots = `    ${label}${".".repeat(Math.max(1, l.nameWidth - label.length))}:`;
    if (m.type === "trend") {
      const cols = trendCols(m, stats).map((c, i) => c.padEnd(l.trendWidths[i] ?? 0));
      return `${dots} ${cols.join(" ").trimEnd()}`;
    }
    const [value, extras] = nonTrend(m);
    return `${dots} ${value.padEnd(l.valueWidth)} ${extras.join(" ")}`.trimEnd();
  });
}

function checkLines(g: SummaryGroup, indent: string): string[] {
  return g.checks.flatMap((c) => {
    if (c.fails === 0) return [`${indent}${OK} ${c.name}`];
    const pct = Math.floor((100 * c.passes) / (c.passes + c.fails));
    return [
      `${indent}${FAIL} ${c.name}`,
      `${indent}  ↳  ${pct}% — ${OK} ${c.passes} / ${FAIL} ${c.fails}`,
    ];
  });
}

function sortNames(names: string[]): string[] {
  return names.sort((a, b) => {
    const [ba, bb] = [a.split("{")[0] ?? a, b.split("{")[0] ?? b];
    return ba === bb ? a.length - b.length || a.localeCompare(b) : ba.localeCompare(bb);
  });
}

function thresholdLines(data: SummaryData): string[] {
  const out: string[] = [];
  const names = sortNames(Object.keys(data.metrics).filter((n) => data.metrics[n]?.thresholds));
  for (const name of names) {
    const m = data.metrics[name] as SummaryMetric;
    const open = name.indexOf("{");
    const sub = open > 0 && data.metrics[name.slice(0, open)]?.thresholds !== undefined;
    const indent = sub ? "      " : "    ";
    out.push(sub ? `${indent}${name.slice(open)}` : `${indent}${name}`);
    for (const [source, t] of Object.entries(m.thresholds ?? {})) {
      const agg = source.split(/[=><!]/)[0]?.trim() ?? "";
      const key = agg === "value" && m.type === "rate" ? "rate" : agg;
      const raw = m.type === "trend" && !(key in m.values) ? undefined : m.values[key];
      const shown = raw === undefined
        ? "n/a"
        : key === "count" && m.type !== "counter"
        ? String(raw)
        : key === "rate" && m.type === "counter"
        ? `${trimZeros(raw, 6)}/s`
        : humanizeValue(raw, m);
      out.push(`${indent}${t.ok ? OK : FAIL} '${source}' ${agg}=${shown}`);
    }
    out.push("");
  }
  return out;
}

/** Renders the whole summary; `footer` is k6's closing `running (…)` line(s). */
export function textSummary(data: SummaryData, footer: string[] = []): string {
  const stats = data.options.summaryTrendStats;
  const lines: string[] = [""];
  const thresholds = thresholdLines(data);
  if (thresholds.length) lines.push("  █ THRESHOLDS ", "", ...thresholds, "");
  lines.push("  █ TOTAL RESULTS ", "");
  const all: Record<string, SummaryMetric> = { ...data.metrics };
  const checks = data.metrics.checks;
  const derivedNames = ["checks_total", "checks_succeeded", "checks_failed"];
  if (checks) {
    const passes = checks.values.passes ?? 0;
    const fails = checks.values.fails ?? 0;
    const total = passes + fails;
    const secs = data.state.testRunDurationMs / 1000;
    all.checks_total = {
      type: "counter",
      contains: "default",
      values: { count: total, rate: secs ? total / secs : 0 },
    };
    all.checks_succeeded = {
      type: "rate",
      contains: "default",
      values: { rate: total ? passes / total : 0, passes, fails },
    };
    all.checks_failed = {
      type: "rate",
      contains: "default",
      values: { rate: total ? fails / total : 0, passes: fails, fails: passes },
    };
  }
  const byCat = new Map<string, string[]>();
  for (const name of Object.keys(data.metrics)) {
    if (name === "checks") continue;
    const cat = CATEGORY[name.split("{")[0] ?? name] ?? "CUSTOM";
    byCat.set(cat, [...(byCat.get(cat) ?? []), name]);
  }
  const shown = [...(checks ? derivedNames : []), ...[...byCat.values()].flat()];
  const l = layout(shown, all, stats);
  if (checks) {
    lines.push(...metricLines(derivedNames, all, stats, l), "");
    const rootChecks = checkLines(data.root_group, "    ");
    if (rootChecks.length) lines.push(...rootChecks, "");
  }
  for (const cat of ["CUSTOM", "HTTP", "EXECUTION", "NETWORK"]) {
    const names = byCat.get(cat);
    if (!names?.length) continue;
    lines.push(`    ${cat}`, ...metricLines(sortNames(names), all, stats, l), "");
  }
  const groupBlock = (g: SummaryGroup, depth: number) => {
    const pad = "  ".repeat(depth);
    lines.push("", `${pad}  █ GROUP: ${g.name} `, "", ...checkLines(g, `${pad}    `));
    for (const c of g.groups) groupBlock(c, depth + 1);
  };
  for (const g of [...data.root_group.groups].sort((a, b) => a.name.localeCompare(b.name))) {
    groupBlock(g, 0);
  }
  lines.push("", ...footer, "");
  return lines.join("\n");
}
