/**
 * The HTML report of a run: verdict, key figures, thresholds, latency percentiles over time,
 * throughput and VUs, latency histograms, checks and every metric. One self-contained file:
 * inline CSS and SVG, no scripts, no external assets.
 */

import { BUCKET_MS, percentile, type Registry, type Series, type Sink } from "./metrics.ts";
import type { SummaryData, SummaryGroup, SummaryMetric } from "./summary.ts";
import { humanizeDuration, humanizeValue } from "./summary_text.ts";
import { escapeXml as esc, histogram, histogramBins, lineChart, type LineSeries } from "./svg.ts";

export interface ReportInfo {
  script: string;
  profile: string;
  startedAtIso: string;
  exitCode: number;
  scenarios: string[];
  engine: string;
  abortReason?: string;
}

const MAX_POINTS = 150;

/** Merges per-second buckets so a long run still draws ≤ MAX_POINTS points. */
function regroup<T>(buckets: T[]): { size: number; groups: T[][] } {
  const size = Math.max(1, Math.ceil(buckets.length / MAX_POINTS));
  const groups: T[][] = [];
  for (let i = 0; i < buckets.length; i += size) groups.push(buckets.slice(i, i + size));
  return { size, groups };
}

function percentileSeries(series: Series): LineSeries[] {
  const { size, groups } = regroup(series.buckets);
  const lines: [string, number, string][] = [["p50", 50, "#2563eb"], ["p95", 95, "#f59e0b"], [
    "p99",
    99,
    "#dc2626",
  ]];
  return lines.map(([label, pct, color]) => ({
    name: label,
    color,
    points: groups.flatMap((g, i): [number, number][] => {
      const values = g.flatMap((b) => b.values ?? []).sort((a, b) => a - b);
      return values.length
        ? [[((i + 0.5) * size * BUCKET_MS) / 1000, percentile(values, pct)]]
        : [];
    }),
  }));
}

function throughputSeries(registry: Registry): LineSeries[] {
  const reqs = registry.metrics.get("http_reqs");
  const iters = registry.metrics.get("iterations");
  const vus = registry.metrics.get("vus");
  const out: LineSeries[] = [];
  const perSecond = (
    buckets: { sum: number }[],
    name: string,
    color: string,
    bars: boolean,
  ): LineSeries => {
    const { size, groups } = regroup(buckets);
    return {
      name,
      color,
      bars,
      points: groups.map((
        g,
        i,
      ) => [
        ((i + 0.5) * size * BUCKET_MS) / 1000,
        g.reduce((n, b) => n + b.sum, 0) / (g.length * BUCKET_MS / 1000),
      ]),
    };
  };
  if (reqs?.sink.count) out.push(perSecond(reqs.series.buckets, "requests/s", "#2563eb", true));
  if (iters?.sink.count) {
    out.push(perSecond(iters.series.buckets, "iterations/s", "#059669", false));
  }
  if (vus?.sink.count) {
    const { size, groups } = regroup(vus.series.buckets);
    out.push({
      name: "VUs",
      color: "#7c3aed",
      right: true,
      points: groups.map((
        g,
        i,
      ) => [
        ((i + 0.5) * size * BUCKET_MS) / 1000,
        Math.max(0, ...g.map((b) => (b.count ? b.sum / b.count : 0))),
      ]),
    });
  }
  return out;
}

function fmtMs(v: number): string {
  return humanizeDuration(v);
}

function metricValue(m: SummaryMetric, key: string): string {
  const v = m.values[key];
  return v === undefined
    ? "–"
    : key === "count" || key === "passes" || key === "fails"
    ? String(v)
    : humanizeValue(v, m);
}

function checksRows(g: SummaryGroup, out: string[]): void {
  for (const c of g.checks) {
    const total = c.passes + c.fails;
    out.push(
      `<tr class="${c.fails ? "bad" : "good"}"><td>${
        esc(g.path.split("::").filter(Boolean).join(" › ") || "–")
      }</td><td>${esc(c.name)}</td><td>${c.passes}</td><td>${c.fails}</td><td>${
        total ? ((100 * c.passes) / total).toFixed(2) : "0.00"
      }%</td></tr>`,
    );
  }
  for (const child of g.groups) checksRows(child, out);
}

const CSS =
  `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f3f4f6;color:#111827}
header{background:#111827;color:#f9fafb;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header p{margin:2px 0;color:#d1d5db;font-size:13px}
main{max-width:980px;margin:0 auto;padding:18px}section{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 16px;box-shadow:0 1px 2px #0001}
h2{font-size:15px;margin:0 0 10px}.verdict{display:inline-block;padding:3px 10px;border-radius:999px;font-weight:700;font-size:12px;margin-left:8px}
.pass{background:#16a34a;color:#fff}.fail{background:#dc2626;color:#fff}.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{border:1px solid #e5e7eb;border-radius:6px;padding:8px 10px}.tile b{display:block;font-size:18px}.tile span{font-size:11px;color:#6b7280}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left}th{background:#f9fafb}
tr.bad td{color:#b91c1c}tr.good td:first-child::before{content:""}.mono{font-family:ui-monospace,Menlo,monospace}`;

export function htmlReport(data: SummaryData, registry: Registry, info: ReportInfo): string {
  const ok = info.exitCode === 0;
  const m = data.metrics;
  const tiles: [string, string][] = [];
  const dur = data.state.testRunDurationMs;
  if (m.http_reqs) {
    tiles.push([
      "HTTP requests",
      `${m.http_reqs.values.count} (${(m.http_reqs.values.rate ?? 0).toFixed(1)}/s)`,
    ]);
  }
  if (m.http_req_failed) {
    tiles.push([
      "HTTP failures",
      humanizeValue(m.http_req_failed.values.rate ?? 0, m.http_req_failed),
    ]);
  }
  if (m.checks) tiles.push(["checks passed", humanizeValue(m.checks.values.rate ?? 0, m.checks)]);
  if (m.iterations) {
    tiles.push([
      "iterations",
      `${m.iterations.values.count} (${(m.iterations.values.rate ?? 0).toFixed(2)}/s)`,
    ]);
  }
  if (m.vus_max) tiles.push(["max VUs", String(m.vus_max.values.max)]);
  if (m.dropped_iterations) {
    tiles.push(["dropped iterations", String(m.dropped_iterations.values.count)]);
  }
  const rrt = registry.metrics.get("reply_round_trip");
  if (rrt?.sink.count) {
    for (const p of [50, 95, 99]) {
      tiles.push([`reply round trip p${p}`, fmtMs(rrt.sink.aggregate(`p(${p})`, dur))]);
    }
    tiles.push(["replies/s", (rrt.sink.count / (dur / 1000)).toFixed(2)]);
  }
  if (m.http_req_duration) {
    tiles.push(["http_req_duration p95", metricValue(m.http_req_duration, "p(95)")]);
  }

  const thresholdRows = Object.entries(m).flatMap(([name, metric]) =>
    Object.entries(metric.thresholds ?? {}).map(([src, t]) =>
      `<tr class="${t.ok ? "good" : "bad"}"><td class="mono">${esc(name)}</td><td class="mono">${
        esc(src)
      }</td><td>${t.ok ? "✓ pass" : "✗ FAIL"}</td></tr>`
    )
  );
  const charts: string[] = [];
  // Latency trends worth a chart: request durations (and thresholded sub-metrics of them),
  // custom time trends such as reply_round_trip.
  const xMax = dur / 1000;
  const charted: { name: string; sink: Sink; series: Series }[] = [];
  for (const t of registry.metrics.values()) {
    if (t.type !== "trend" || t.contains !== "time" || t.sink.count === 0) continue;
    const builtin = t.name.startsWith("http_req_") ||
      ["iteration_duration", "group_duration"].includes(t.name);
    if (!builtin || t.name === "http_req_duration") {
      charted.push({ name: t.name, sink: t.sink, series: t.series });
    }
    for (const sub of t.submetrics) {
      if (sub.sink.count > 0 && m[sub.name]?.thresholds) {
        charted.push({ name: sub.name, sink: sub.sink, series: sub.series });
      }
    }
  }
  for (const t of charted) {
    charts.push(lineChart(percentileSeries(t.series), {
      title: `${t.name}: percentiles over time`,
      xLabel: "seconds since start",
      yLabel: "ms",
      xMax,
      formatY: (v) => String(v),
    }));
  }
  const tp = throughputSeries(registry);
  if (tp.length) {
    charts.push(
      lineChart(tp, {
        title: "Throughput and VUs",
        xLabel: "seconds since start",
        yLabel: "per second",
        yRightLabel: "VUs",
        xMax,
      }),
    );
  }
  for (const t of charted) {
    const sorted = t.sink.sorted();
    charts.push(histogram(histogramBins(sorted), {
      title: `${t.name}: distribution (${sorted.length} samples)`,
      xLabel: "latency (log scale when wide)",
      yLabel: "samples",
      formatY: fmtMs,
      color: t.name.startsWith("http_req_duration") ? "#2563eb" : "#059669",
      markers: [["p50", percentile(sorted, 50)], ["p95", percentile(sorted, 95)], [
        "p99",
        percentile(sorted, 99),
      ]],
    }));
  }
  const checkRows: string[] = [];
  checksRows(data.root_group, checkRows);
  const stats = data.options.summaryTrendStats;
  const metricRows = Object.entries(m).map(([name, metric]) => {
    const values = metric.type === "trend"
      ? stats.map((s) => `${s}=${metricValue(metric, s)}`).join("  ")
      : Object.keys(metric.values).map((k) => `${k}=${metricValue(metric, k)}`).join("  ");
    return `<tr><td class="mono">${esc(name)}</td><td>${metric.type}</td><td class="mono">${
      esc(values)
    }</td></tr>`;
  });

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load report: ${esc(info.script)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body><header><h1>Load report: ${esc(info.script)}<span class="verdict ${ok ? "pass" : "fail"}">${
    ok ? "PASSED" : `FAILED (exit ${info.exitCode})`
  }</span></h1>
<p>profile <b>${esc(info.profile)}</b> · started ${esc(info.startedAtIso)} · ran ${
    esc(humanizeDuration(dur))
  } · engine ${esc(info.engine)}</p>
${info.scenarios.map((s) => `<p class="mono">${esc(s)}</p>`).join("")}
${info.abortReason ? `<p>aborted: ${esc(info.abortReason)}</p>` : ""}</header>
<main>
<section><h2>Key figures</h2><div class="tiles">${
    tiles.map(([k, v]) => `<div class="tile"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join("")
  }</div></section>
<section><h2>Thresholds</h2>${
    thresholdRows.length
      ? `<table><tr><th>metric</th><th>threshold</th><th>result</th></tr>${
        thresholdRows.join("")
      }</table>`
      : "<p>none</p>"
  }</section>
${charts.map((c) => `<section>${c}</section>`).join("\n")}
<section><h2>Checks</h2>${
    checkRows.length
      ? `<table><tr><th>group</th><th>check</th><th>passes</th><th>fails</th><th>rate</th></tr>${
        checkRows.join("")
      }</table>`
      : "<p>none</p>"
  }</section>
<section><h2>All metrics</h2><table><tr><th>metric</th><th>type</th><th>values</th></tr>${
    metricRows.join("")
  }</table></section>
</main></body></html>
`;
}
