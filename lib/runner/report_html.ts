/**
 * `reports/index.html`: one page with the outcome of a test run — pass/fail per group and per
 * test file, durations, and the performance figures of `reports/perf.json` when present.
 */

import type { JunitSuite, TestCounts } from "./deno_summary.ts";

export interface GroupResult {
  name: string;
  status: "passed" | "failed" | "skipped";
  note?: string;
  counts: TestCounts;
  seconds: number;
  junit?: string;
  suites: JunitSuite[];
}

export interface ReportInput {
  started_at: string;
  seconds: number;
  target: string;
  groups: GroupResult[];
  /** Parsed reports/perf.json, if the run produced one. */
  perf?: unknown;
  perf_note?: string;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Flattens JSON into `path → value` rows (arrays of scalars stay on one row). */
export function flatten(value: unknown, prefix = ""): [string, string][] {
  if (value === null || typeof value !== "object") return [[prefix || "value", String(value)]];
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return [[prefix, value.join(", ")]];
  }
  const rows: [string, string][] = [];
  for (const [key, child] of Object.entries(value)) {
    rows.push(...flatten(child, prefix ? `${prefix}.${key}` : key));
  }
  return rows;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:0 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
td.n{text-align:right}.passed{color:#176f2c;font-weight:600}.failed{color:#b00020;font-weight:600}
.skipped{color:#777}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}`;

export function renderReport(input: ReportInput): string {
  const total = input.groups.reduce(
    (sum, g) => ({ passed: sum.passed + g.counts.passed, failed: sum.failed + g.counts.failed }),
    { passed: 0, failed: 0 },
  );
  const groupRows = input.groups.map((g) =>
    `<tr><td>${escape(g.name)}</td><td class="${g.status}">${g.status}</td>` +
    `<td class="n">${g.counts.passed}</td><td class="n">${g.counts.failed}</td>` +
    `<td class="n">${g.counts.ignored}</td><td class="n">${g.seconds.toFixed(1)} s</td>` +
    `<td>${g.junit ? `<a href="${escape(g.junit)}">${escape(g.junit)}</a>` : ""}${
      g.note ? ` ${escape(g.note)}` : ""
    }</td></tr>`
  ).join("\n");
  const suiteRows = input.groups.flatMap((g) =>
    g.suites.map((s) => {
      const bad = s.failures + s.errors > 0;
      return `<tr><td>${escape(g.name)}</td><td>${escape(s.name)}</td>` +
        `<td class="${bad ? "failed" : "passed"}">${bad ? "failed" : "passed"}</td>` +
        `<td class="n">${s.tests}</td><td class="n">${s.failures + s.errors}</td>` +
        `<td class="n">${s.skipped}</td><td class="n">${s.time.toFixed(2)} s</td></tr>`;
    })
  ).join("\n");
  const perf = input.perf === undefined
    ? "<p>No performance figures in this run (reports/perf.json was not written).</p>"
    : `${
      input.perf_note ? `<p>${escape(input.perf_note)}</p>` : ""
    }<table><tr><th>figure</th><th>value</th></tr>\n${
      flatten(input.perf).map(([k, v]) =>
        `<tr><td>${escape(k)}</td><td class="n">${escape(v)}</td></tr>`
      )
        .join("\n")
    }</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Zapa integration tests</title>
<style>${STYLE}</style></head><body>
<h1>Zapa integration tests: ${total.passed} passed, ${total.failed} failed</h1>
<p>Started ${escape(input.started_at)} against the ${escape(input.target)} target; took ${
    input.seconds.toFixed(1)
  } s.</p>
<h2>Groups</h2>
<table><tr><th>group</th><th>result</th><th>passed</th><th>failed</th><th>ignored</th><th>time</th><th>report</th></tr>
${groupRows}</table>
<h2>Test files</h2>
<table><tr><th>group</th><th>file</th><th>result</th><th>tests</th><th>failed</th><th>skipped</th><th>time</th></tr>
${suiteRows}</table>
<h2>Performance</h2>
${perf}
</body></html>
`;
}
