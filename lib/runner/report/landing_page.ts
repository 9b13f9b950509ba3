/**
 * `reports/index.html`: the whole picture from every group's latest results — totals (summed
 * from the same records as the group pages, so they agree), each group's last run and trend,
 * failing and changed tests, history, performance and load figures with trend lines,
 * conformance figures, the conformance map, rule traceability, failure drills and service logs.
 */

import type { GroupCounts, GroupRecord, HistoryEntry } from "./model.ts";
import type { Extras } from "./extras.ts";
import type { FlakySummary } from "./store.ts";
import { figureTrend, groupTrend } from "./history.ts";
import { type Marks, testAnchor } from "./group_page.ts";
import { escape, figureTable, flatten, page, seconds, sparkline, time } from "./html.ts";
import { groupFolder } from "./store.ts";

export interface LandingInput {
  groups: readonly GroupRecord[];
  history: readonly HistoryEntry[];
  marks: Map<string, Marks>;
  extras: Extras;
  flaky?: { file: string; summary: FlakySummary };
  generatedAt: string;
}

export function totals(groups: readonly GroupRecord[]): GroupCounts {
  return groups.reduce(
    (sum, g) => ({
      passed: sum.passed + g.counts.passed,
      failed: sum.failed + g.counts.failed,
      ignored: sum.ignored + g.counts.ignored,
    }),
    { passed: 0, failed: 0, ignored: 0 },
  );
}

function groupsSection(input: LandingInput): string {
  const runs = new Set(input.groups.filter((g) => g.status !== "skipped").map((g) => g.run_id));
  // "earlier run" marks groups that the latest run did not run.
  const latest = input.groups.reduce<GroupRecord | undefined>(
    (m, g) => !m || g.finished_at > m.finished_at ? g : m,
    undefined,
  );
  const rows = input.groups.map((g) => {
    const trend = groupTrend(input.history, g.name);
    const link = `groups/${groupFolder(g.name)}/index.html`;
    const older = runs.size > 1 && g.run_id !== latest?.run_id;
    return `<tr><td><a href="${escape(link)}">${escape(g.name)}</a></td>` +
      `<td class="${g.status}">${g.status}</td><td class="n">${g.counts.passed}</td>` +
      `<td class="n">${g.counts.failed}</td><td class="n">${g.counts.ignored}</td>` +
      `<td class="n">${seconds(g.seconds)}</td><td>${escape(time(g.finished_at))}${
        older ? ' <span class="old">earlier run</span>' : ""
      }</td><td>${
        sparkline(trend.passRate, {
          label: `${g.name} pass rate %`,
          format: (v) => `${v.toFixed(0)}%`,
        })
      }</td><td>${
        sparkline(trend.seconds, {
          label: `${g.name} duration s`,
          format: (v) => `${v.toFixed(1)} s`,
        })
      }</td><td>${
        g.junit.map((j) =>
          `<a href="groups/${escape(groupFolder(g.name))}/${escape(j)}">${escape(j)}</a>`
        ).join(" ")
      }${g.filter ? ` filter <code>${escape(g.filter)}</code>` : ""}${
        g.note ? ` ${escape(g.note)}` : ""
      }</td></tr>`;
  }).join("\n");
  return `<h2 id="groups">Groups</h2>
${
    runs.size > 1
      ? `<p>These results come from ${runs.size} runs: each group shows its latest; "earlier run" marks groups not re-run since.</p>`
      : ""
  }
<table><tr><th>group</th><th>result</th><th>passed</th><th>failed</th><th>ignored</th><th>time</th><th>last run</th><th>pass rate trend</th><th>duration trend</th><th>JUnit, notes</th></tr>
${rows}</table>`;
}

function failingSection(input: LandingInput): string {
  const failing = input.groups.flatMap((g) =>
    g.tests.filter((t) => t.status === "failed").map((t) => ({ g, t }))
  );
  if (failing.length === 0) return `<h2 id="failing">Failing tests</h2><p class="passed">None.</p>`;
  return `<h2 id="failing">Failing tests (${failing.length})</h2><ul>${
    failing.map(({ g, t }) =>
      `<li><a href="groups/${escape(groupFolder(g.name))}/index.html#${testAnchor(t.name)}">${
        escape(t.name)
      }</a> <span class="file">${escape(g.name)} · ${escape(t.file)}</span><pre class="msg">${
        escape((t.failure?.message ?? "").split("\n").slice(0, 6).join("\n"))
      }</pre></li>`
    ).join("")
  }</ul>`;
}

function changesSection(input: LandingInput): string {
  const items: string[] = [];
  for (const g of input.groups) {
    for (const [name, marks] of input.marks.get(g.name) ?? []) {
      items.push(
        `<li>${
          marks.map((m) => `<span class="mark">${escape(m)}</span>`).join("")
        } <a href="groups/${escape(groupFolder(g.name))}/index.html#${testAnchor(name)}">${
          escape(name)
        }</a> <span class="file">${escape(g.name)}</span></li>`,
      );
    }
  }
  let flaky = "";
  if (input.flaky) {
    const s = input.flaky.summary;
    const bad = (s.records ?? []).filter((r) => r.failures > 0);
    flaky = `<h3>Latest <code>deno task flaky</code> (${escape(s.started_at)}, ${
      s.runs?.length ?? 0
    } runs of ${
      escape((s.groups ?? []).join(", "))
    })</h3><p>${s.tests} tests, ${s.flaky} flaky, ${s.broken} broken · <a href="${
      escape(input.flaky.file)
    }">${escape(input.flaky.file)}</a></p>${
      bad.length
        ? `<table><tr><th>test</th><th>file</th><th>failed</th></tr>${
          bad.map((r) =>
            `<tr><td>${escape(r.name)}</td><td>${
              escape(r.file)
            }</td><td class="n">${r.failures} of ${r.runs}</td></tr>`
          ).join("")
        }</table>`
        : ""
    }`;
  }
  return `<h2 id="changes">Changed outcome between runs</h2>${
    items.length ? `<ul>${items.join("")}</ul>` : "<p>No test changed outcome in the kept runs.</p>"
  }${flaky}`;
}

function historySection(input: LandingInput): string {
  const rows = [...input.history].reverse().map((h) => {
    const t = Object.values(h.groups).reduce(
      (s, g) => ({ p: s.p + g.passed, f: s.f + g.failed, i: s.i + g.ignored }),
      { p: 0, f: 0, i: 0 },
    );
    return `<tr><td>${escape(time(h.started_at))}</td><td>${
      escape(Object.keys(h.groups).join(", "))
    }</td>` +
      `<td class="n">${t.p}</td><td class="n ${
        t.f ? "failed" : ""
      }">${t.f}</td><td class="n">${t.i}</td>` +
      `<td class="n">${seconds(h.seconds)}</td><td>${
        Object.entries(h.groups).map(([n, g]) => `${escape(n)} ${seconds(g.seconds)}`).join(", ")
      }</td></tr>`;
  }).join("\n");
  return `<h2 id="history">History (last ${input.history.length} runs)</h2>
<table><tr><th>started</th><th>groups</th><th>passed</th><th>failed</th><th>ignored</th><th>wall time</th><th>per group</th></tr>${rows}</table>`;
}

function figuresWithTrend(figures: Record<string, number>, prefix: string, input: LandingInput) {
  const rows = Object.entries(figures).map(([k, v]) =>
    `<tr><td>${escape(k)}</td><td class="n">${escape(Math.round(v * 100) / 100)}</td><td>${
      sparkline(figureTrend(input.history, `${prefix}${k}`), { label: k })
    }</td></tr>`
  );
  return rows.length
    ? `<table><tr><th>figure</th><th>latest</th><th>trend</th></tr>${rows.join("")}</table>`
    : "";
}

function perfSection(input: LandingInput, perfFigures: Record<string, number>): string {
  const perf = input.extras.perf;
  if (!perf) {
    return `<h2 id="perf">Performance</h2><p>No figures yet (reports/perf.json is written by the perf group).</p>`;
  }
  return `<h2 id="perf">Performance</h2><p class="muted">reports/perf.json, written ${
    escape(time(perf.mtime))
  }. Trend lines span the kept runs.</p>
${figuresWithTrend(perfFigures, "perf: ", input)}
<details><summary>All figures</summary>${figureTable(flatten(perf.value))}</details>`;
}

function loadSection(input: LandingInput): string {
  if (input.extras.load.length === 0) return `<h2 id="load">Load</h2><p>No load reports yet.</p>`;
  return `<h2 id="load">Load</h2>${
    input.extras.load.map((l) =>
      `<h3>${escape(l.name)}</h3><p>${
        l.html ? `<a href="${escape(l.html)}">report with charts</a>` : ""
      }${l.text ? ` · <a href="${escape(l.text)}">text summary</a>` : ""} <span class="muted">${
        escape(time(l.mtime))
      }</span></p>${figuresWithTrend(l.figures, `load: ${l.name} `, input)}`
    ).join("\n")
  }`;
}

function conformanceSection(input: LandingInput): string {
  const parts: string[] = [`<h2 id="conformance">Conformance</h2>`];
  const { conformance, conformanceMap: map, traceability } = input.extras;
  if (conformance) {
    const { files: _files, ...head } = conformance;
    parts.push(`<h3>Generated API cases</h3>${figureTable(flatten(head), 40)}`);
  }
  if (map) {
    const verdicts = new Map<string, number>();
    for (const r of map.rules) verdicts.set(r.verdict, (verdicts.get(r.verdict) ?? 0) + 1);
    parts.push(
      `<h3>Conformance map${map.target ? ` (${escape(map.target)})` : ""}</h3><p>${
        [...verdicts].map(([v, n]) => `<span class="${escape(v)}">${n} ${escape(v)}</span>`).join(
          " · ",
        )
      } <span class="muted">${escape(time(map.generatedAt))}</span></p>
<table><tr><th>rule</th><th>title</th><th>group</th><th>verdict</th><th>tests</th></tr>${
        map.rules.map((r) =>
          `<tr><td>${escape(r.id)}</td><td>${escape(r.title ?? "")}</td><td>${
            escape(r.group ?? "")
          }</td>` +
          `<td class="${escape(r.verdict)}">${escape(r.verdict)}${
            r.blockedBy
              ? ` by ${escape(r.blockedBy.rule)}${
                r.blockedBy.firstFailure
                  ? ` (first failure: ${escape(r.blockedBy.firstFailure)})`
                  : ""
              }`
              : ""
          }</td><td>${
            (r.tests ?? []).map((t) =>
              `<span class="${escape(t.status ?? "")}">${escape(t.name)}</span>`
            ).join("<br>")
          }</td></tr>`
        ).join("")
      }</table>`,
    );
  }
  if (traceability) {
    const covered = traceability.rules.filter((r) => r.tests.length > 0).length;
    parts.push(
      `<h3>Rule traceability</h3><p>${traceability.rules.length} rules, ${covered} covered by tests${
        traceability.uncovered?.length
          ? `, uncovered: ${escape(traceability.uncovered.join(", "))}`
          : ""
      } · <a href="traceability.json">traceability.json</a></p><details><summary>Rules</summary><table><tr><th>rule</th><th>group</th><th>claim</th><th>tests</th></tr>${
        traceability.rules.map((r) =>
          `<tr><td>${escape(r.id)}</td><td>${escape(r.group ?? "")}</td><td>${
            escape(r.claim ?? "")
          }</td><td class="n">${r.tests.length || escape(r.reason ?? "0")}</td></tr>`
        ).join("")
      }</table></details>`,
    );
  }
  if (parts.length === 1) parts.push("<p>No conformance figures yet.</p>");
  return parts.join("\n");
}

function drillsSection(input: LandingInput): string {
  if (input.extras.drills.length === 0) return "";
  return `<h2 id="drills">Failure drills</h2>${
    input.extras.drills.map((d) =>
      `<details><summary>${escape(d.name)} <a href="failure/${
        escape(d.name)
      }.json">json</a></summary>${figureTable(flatten(d.value), 60)}</details>`
    ).join("")
  }`;
}

function logsSection(input: LandingInput): string {
  if (input.extras.logs.length === 0) return `<h2 id="logs">Service logs</h2><p>No logs kept.</p>`;
  return `<h2 id="logs">Service logs</h2><ul>${
    input.extras.logs.map((l) =>
      `<li>${escape(l.run)}: ${
        l.files.map((f) =>
          `<a href="logs/${escape(l.run)}/${escape(f.name)}">${
            escape(f.name)
          }</a> <span class="muted">(${(f.bytes / 1024).toFixed(0)} kB)</span>`
        ).join(", ")
      }</li>`
    ).join("")
  }</ul>`;
}

export function renderLanding(input: LandingInput, perfFigures: Record<string, number>): string {
  const t = totals(input.groups);
  const nav = ["groups", "failing", "changes", "history", "perf", "load", "conformance", "logs"]
    .map((id) => `<a href="#${id}">${id}</a>`).join(" · ");
  const body =
    `<h1>Zapa integration tests: <span class="passed">${t.passed} passed</span>, <span class="${
      t.failed ? "failed" : "passed"
    }">${t.failed} failed</span>, ${t.ignored} ignored</h1>
<p class="muted">Built ${
      escape(time(input.generatedAt))
    } from the latest results of ${input.groups.length} groups. ${nav}</p>
${groupsSection(input)}
${failingSection(input)}
${changesSection(input)}
${historySection(input)}
${perfSection(input, perfFigures)}
${loadSection(input)}
${conformanceSection(input)}
${drillsSection(input)}
${logsSection(input)}`;
  return page("Zapa integration tests", body);
}
