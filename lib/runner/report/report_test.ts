/** The report: results per test, the landing-page merge of partial runs, history, escaping, CI summary. */
import assert from "node:assert/strict";
import { buildTests, ignoredReasons } from "./results.ts";
import { rebuildReport, recordRun } from "./publish.ts";
import { appendJobSummary, renderJobSummary } from "./job_summary.ts";
import { appendHistory, readHistory, writeAtomic } from "./store.ts";
import { historyEntry, outcomeMarks } from "./history.ts";
import { type Outcome, publishOutcomes } from "./testing.ts";
import { sparkline } from "./html.ts";
import type { GroupRecord } from "./model.ts";

const DENO_JUNIT = await Deno.readTextFile(
  new URL("../testdata/junit_deno_outcomes.xml", import.meta.url),
);

async function tempReports(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "zapa-report-" });
}

Deno.test("report: a Deno JUnit file becomes tests with steps nested, failures split into message and stack", () => {
  const tests = buildTests("demo", [DENO_JUNIT], {
    output: 'IGNORED "demo: ignored": the external target lacks a database\n',
  });
  assert.deepEqual(tests.map((t) => [t.name, t.status]), [
    ["demo: passes", "passed"],
    ["demo: fails <with> & quotes", "failed"],
    ["demo: ignored", "ignored"],
    ["demo: steps", "passed"],
  ]);
  const failed = tests[1]!;
  assert.equal(failed.suite, "demo");
  assert.equal(failed.file, "x_test.ts");
  assert.equal(failed.failure?.message, "AssertionError: expected one to be two\n\n1 !== 2");
  assert.match(failed.failure?.stack ?? "", /at file:\/\/\/repo\/x_test\.ts:3:57/);
  assert.equal(tests[2]!.reason, "the external target lacks a database");
  assert.deepEqual(tests[3]!.steps.map((s) => [s.name, s.status]), [["inner ok", "passed"]]);
  assert.equal(ignoredReasons('IGNORED "a: b": why\nok\n').get("a: b"), "why");
});

const FULL: Record<string, Outcome[]> = {
  unit: [["unit: a", "passed"], ["unit: b", "passed"], ["unit: c", "ignored"]],
  security: [["security: x", "passed"], ["security: y", "passed"]],
  e2e: [["e2e: z", "failed", "AssertionError: expected 200, saw 500"]],
};

Deno.test("report: a later run of one group updates that group and keeps the full run's others, totals agreeing", async () => {
  const dir = await tempReports();
  try {
    const full = { run_id: "2026-01-01T00-00-00-000Z-1", started_at: "2026-01-01T00:00:00.000Z" };
    const records: GroupRecord[] = [];
    for (const [group, outcomes] of Object.entries(FULL)) {
      records.push(await publishOutcomes(dir, group, outcomes, full));
    }
    await recordRun(dir, { ...full, seconds: 30, target: "native" }, records);
    let groups = await rebuildReport(dir);
    assert.match(
      await Deno.readTextFile(`${dir}/index.html`),
      /4 passed<\/span>, <span class="failed">1 failed<\/span>, 1 ignored/,
    );

    // `./run test:security`: security now has a failure and a new test.
    const partial = {
      run_id: "2026-01-02T00-00-00-000Z-2",
      started_at: "2026-01-02T00:00:00.000Z",
    };
    const security = await publishOutcomes(dir, "security", [
      ["security: x", "failed", "expected 401, saw 200"],
      ["security: y", "passed"],
      ["security: w", "passed"],
    ], partial);
    await recordRun(dir, { ...partial, seconds: 9, target: "native" }, [security]);
    groups = await rebuildReport(dir);

    assert.deepEqual(groups.map((g) => [g.name, g.counts, g.run_id]), [
      ["unit", { passed: 2, failed: 0, ignored: 1 }, full.run_id],
      ["e2e", { passed: 0, failed: 1, ignored: 0 }, full.run_id],
      ["security", { passed: 2, failed: 1, ignored: 0 }, partial.run_id],
    ]);
    const html = await Deno.readTextFile(`${dir}/index.html`);
    // Totals: unit 2+0+1, e2e 0+1+0 from the full run, security 2+1+0 from the partial one.
    assert.match(html, /4 passed<\/span>, <span class="failed">2 failed<\/span>, 1 ignored/);
    assert.match(html, /These results come from 2 runs/);
    assert.equal(html.match(/earlier run<\/span>/g)?.length, 2, "unit and e2e are marked as older");
    assert.match(
      html,
      /newly broken<\/span> <a href="groups\/security\/index.html#t-[0-9a-f]+">security: x/,
    );
    const summary = await Deno.readTextFile(`${dir}/summary.md`);
    assert.match(summary, /4 passed, 2 failed, 1 ignored/);
    // CI files: every group's JUnit is still there, security's is the new one.
    for (const group of ["unit", "e2e", "security"]) await Deno.stat(`${dir}/junit-${group}.xml`);
    assert.match(await Deno.readTextFile(`${dir}/junit-security.xml`), /security: w/);
    const history = await readHistory(dir);
    assert.deepEqual(history.map((h) => Object.keys(h.groups)), [["unit", "security", "e2e"], [
      "security",
    ]]);
    const groupPage = await Deno.readTextFile(`${dir}/groups/security/index.html`);
    assert.match(groupPage, /expected 401, saw 200/);
    assert.deepEqual(
      [...(await Array.fromAsync(Deno.readDir(`${dir}/groups`)))].map((e) => e.name).sort(),
      ["e2e", "security", "unit"],
      "no staging folder left behind",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: two groups published at once keep each other's files and the landing page whole", async () => {
  const dir = await tempReports();
  try {
    const run = (n: number) => ({
      run_id: `2026-01-01T00-00-0${n}-000Z-${n}`,
      started_at: "2026-01-01T00:00:00.000Z",
    });
    await Promise.all([
      publishOutcomes(dir, "security", FULL.security!, run(1)).then(() => rebuildReport(dir)),
      publishOutcomes(dir, "e2e", FULL.e2e!, run(2)).then(() => rebuildReport(dir)),
      ...Array.from({ length: 5 }, () => rebuildReport(dir)),
    ]);
    const groups = await rebuildReport(dir);
    assert.deepEqual(groups.map((g) => g.name), ["e2e", "security"]);
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert.ok(html.trimEnd().endsWith("</html>"));
    const leftovers = [...await Array.fromAsync(Deno.readDir(dir))].filter((e) =>
      e.name.endsWith(".tmp")
    );
    assert.deepEqual(leftovers, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: hostile test names, messages and attachments are shown as text, never as markup", async () => {
  const dir = await tempReports();
  try {
    const evil = `security: <script>alert("name")</script>`;
    const record = await publishOutcomes(dir, "security", [
      [evil, "failed", `<img src=x onerror=alert(1)> "quoted" & 'single'`],
    ], { run_id: "r1" });
    // A log tail from the run's log folder is added to the failing test, escaped too.
    assert.equal(record.tests[0]!.attachments.length, 0);
    const logs = `${dir}/logs/shared-1`;
    await Deno.mkdir(logs, { recursive: true });
    await Deno.writeTextFile(
      `${logs}/private.log`,
      `line 1\n</pre><script>alert("log")</script>\n`,
    );
    const withLogs = await publishOutcomes(dir, "security", [[evil, "failed", "<b>x</b>"]], {
      run_id: "r2",
      logsDir: logs,
    });
    assert.equal(withLogs.tests[0]!.attachments[0]?.name.startsWith("private log tail"), true);
    await rebuildReport(dir);
    for (const file of ["index.html", "groups/security/index.html"]) {
      const html = await Deno.readTextFile(`${dir}/${file}`);
      assert.ok(!html.includes("<script>alert"), `${file}: no script from test data`);
      assert.ok(!html.includes("<img src=x"), `${file}: no element from test data`);
      assert.ok(!html.includes("<b>x</b>"), file);
      assert.equal(
        html.match(/<script>/g)?.length,
        1,
        `${file}: only the page's own filter script`,
      );
    }
    const page = await Deno.readTextFile(`${dir}/groups/security/index.html`);
    assert.match(page, /&lt;\/pre&gt;&lt;script&gt;alert\(&quot;log&quot;\)/);
    assert.match(page, /Content-Security-Policy" content="default-src &#39;none&#39;/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: the CI job summary has totals, groups and failing test names, Markdown-escaped", async () => {
  const dir = await tempReports();
  try {
    const record = await publishOutcomes(dir, "e2e", [
      ["e2e: a | b <x>", "failed", "expected *200*, saw 500\nsecond line"],
      ["e2e: fine", "passed"],
    ], { run_id: "r1" });
    const md = renderJobSummary([record]);
    assert.match(md, /^## Zapa integration tests: 1 passed, 1 failed, 0 ignored/);
    assert.match(md, /\| e2e \| ❌ failed \| 1 \| 1 \| 0 \| 2\.0 s \|/);
    assert.match(
      md,
      /- \*\*e2e: a \\\| b \\<x\\>\*\* \(e2e, `tests\/e2e\/a_test\.ts`\): expected \\\*200\\\*, saw 500$/m,
    );
    const target = `${dir}/step_summary.md`;
    await Deno.writeTextFile(target, "earlier step\n");
    await Deno.writeTextFile(`${dir}/summary.md`, md);
    assert.equal(await appendJobSummary(`${dir}/summary.md`, target), true);
    assert.equal(await Deno.readTextFile(target), `earlier step\n${md}`);
    assert.equal(await appendJobSummary(`${dir}/summary.md`, undefined), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: history keeps the last runs and marks tests that flip as flaky", async () => {
  const dir = await tempReports();
  try {
    const record = (id: string, status: "passed" | "failed"): GroupRecord => ({
      name: "e2e",
      status,
      run_id: id,
      target: "native",
      started_at: id,
      finished_at: id,
      seconds: 1,
      counts: {
        passed: status === "passed" ? 1 : 0,
        failed: status === "failed" ? 1 : 0,
        ignored: 0,
      },
      junit: [],
      tests: [{
        name: "e2e: t",
        suite: "e2e",
        file: "f",
        status,
        seconds: 1,
        steps: [],
        attachments: [],
      }],
    });
    const statuses = ["passed", "failed", "passed", "failed"] as const;
    for (let i = 0; i < 25; i++) {
      const id = `r${String(i).padStart(2, "0")}`;
      await appendHistory(
        dir,
        historyEntry({ run_id: id, started_at: id, seconds: i, target: "native" }, [
          record(id, statuses[i % 4]!),
        ], { "perf: x": i }),
        20,
      );
    }
    const history = await readHistory(dir);
    assert.equal(history.length, 20);
    assert.equal(history[0]!.run_id, "r05");
    const marks = outcomeMarks(history, [record("r24", "passed")]).get("e2e")!;
    assert.deepEqual(marks.get("e2e: t"), ["flaky"]);
    const steady = outcomeMarks(history.slice(1, 2), [record("r24", "failed")]).get("e2e")!;
    assert.deepEqual(steady.get("e2e: t"), ["newly broken"]);
    assert.match(sparkline([1, 3, 2], { label: "x <y>" }), /aria-label="x &lt;y&gt;".*polyline/);
    assert.equal(sparkline([1], { label: "one point" }), "");
    await writeAtomic(`${dir}/a.txt`, "one");
    await writeAtomic(`${dir}/a.txt`, "two");
    assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "two");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: a --filter run replaces the tests it ran and keeps the group's others, with their attachments", async () => {
  const dir = await tempReports();
  try {
    const logs = `${dir}/logs/shared-1`;
    await Deno.mkdir(logs, { recursive: true });
    await Deno.writeTextFile(`${logs}/private.log`, "the full run's log\n");
    await publishOutcomes(dir, "e2e", [
      ["e2e: a", "failed", "expected 1, saw 2"],
      ["e2e: b", "passed"],
    ], { run_id: "r1", logsDir: logs });
    // Deno's JUnit lists the tests --filter left out as skipped: "e2e: a" did not run.
    const filtered = await publishOutcomes(dir, "e2e", [
      ["e2e: b", "failed", "now broken"],
      ["e2e: a", "ignored"],
    ], { run_id: "r2", filter: "e2e: b" });
    assert.deepEqual(filtered.tests.map((t) => [t.name, t.status]), [
      ["e2e: b", "failed"],
      ["e2e: a", "failed"],
    ]);
    assert.deepEqual(filtered.counts, { passed: 0, failed: 2, ignored: 0 });
    assert.match(filtered.note ?? "", /--filter ran 1 tests; 1 others keep their results/);
    const page = await Deno.readTextFile(`${dir}/groups/e2e/index.html`);
    assert.match(page, /the full run&#39;s log/, "the kept test's log tail moved along");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: a sharded group's logs, one folder per stack, give each failing test every shard's tails and are listed", async () => {
  const dir = await tempReports();
  try {
    const logs = `${dir}/logs/failure-7`;
    for (const n of [1, 2]) {
      await Deno.mkdir(`${logs}/${n}`, { recursive: true });
      await Deno.writeTextFile(`${logs}/${n}/private-1.log`, `shard ${n} says why\n`);
    }
    const record = await publishOutcomes(dir, "failure", [["failure: a drill", "failed", "x"]], {
      run_id: "r1",
      logsDir: logs,
    });
    assert.deepEqual(
      record.tests[0]!.attachments.map((a) => a.name.split(" ")[0]),
      ["1/private-1", "2/private-1"],
    );
    assert.equal(record.logs, "failure-7");
    await rebuildReport(dir);
    const landing = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(landing, /href="logs\/failure-7\/1\/private-1\.log"/);
    assert.match(landing, /href="logs\/failure-7\/2\/private-1\.log"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
