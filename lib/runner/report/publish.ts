/**
 * From a finished group run to the published report: builds the group's results (adding the
 * services' log tails to failing tests that brought no evidence), writes its results.json and
 * page into its staging folder and swaps that in; then rebuilds the landing page and the CI
 * job summary from every group's latest results, and records runs in the history.
 */

import { attach, readAttachments } from "../../attachments.ts";
import { countTests, type GroupRecord, type TestResult } from "./model.ts";
import { buildTests, runFailure } from "./results.ts";
import {
  appendHistory,
  groupDir,
  readGroups,
  readHistory,
  readLatestFlaky,
  swapIn,
  writeAtomic,
} from "./store.ts";
import { historyEntry, outcomeMarks } from "./history.ts";
import { renderGroupPage } from "./group_page.ts";
import { renderLanding } from "./landing_page.ts";
import { headlineFigures, perfFigures, readExtras } from "./extras.ts";
import { renderJobSummary } from "./job_summary.ts";
import { matchesFilter } from "../group_runner.ts";
import { GROUPS } from "../test_groups.ts";

export interface GroupRun {
  name: string;
  status: "passed" | "failed" | "skipped";
  note?: string;
  run_id: string;
  target: string;
  started_at: string;
  seconds: number;
  filter?: string;
  /** The group's folder while it runs (JUnit files `junit*.xml`, `attachments/`). */
  staging: string;
  /** `deno test`'s console output: ignored reasons, and the tail when nothing else explains a failure. */
  output?: string;
  /** The stack's log folder, for log tails of failing tests. */
  logsDir?: string;
}

const TAIL_LINES = 40;

/**
 * The last lines of each service log in `logsDir`, and in its subfolders one level down (a
 * sharded group's stacks log to `<n>/`; their services are named `<n>/<service>`).
 */
async function logTails(
  logsDir: string,
  prefix = "",
): Promise<{ service: string; tail: string }[]> {
  const tails = [];
  try {
    for await (const entry of Deno.readDir(logsDir)) {
      if (entry.isDirectory && !prefix) {
        tails.push(...await logTails(`${logsDir}/${entry.name}`, `${entry.name}/`));
      }
      if (!entry.isFile || !entry.name.endsWith(".log")) continue;
      const text = await Deno.readTextFile(`${logsDir}/${entry.name}`);
      const lines = text.trimEnd().split("\n");
      if (text.trim()) {
        tails.push({
          service: `${prefix}${entry.name.slice(0, -4)}`,
          tail: lines.slice(-TAIL_LINES).join("\n"),
        });
      }
    }
  } catch {
    // no logs (external target, or a group without a stack)
  }
  return tails.sort((a, b) => a.service.localeCompare(b.service));
}

/**
 * A `--filter` run is partial: the group's tests it did not run keep their last results (and
 * their attachments are carried over), so a filtered run never shrinks the last full one.
 * Returns a note for the landing page, or undefined when there was nothing to keep.
 */
async function keepUnfiltered(
  reportsDir: string,
  run: GroupRun,
  tests: TestResult[],
): Promise<string | undefined> {
  const published = groupDir(reportsDir, run.name);
  let previous: GroupRecord;
  try {
    previous = JSON.parse(await Deno.readTextFile(`${published}/results.json`));
  } catch {
    return undefined;
  }
  const ran = new Set(tests.map((t) => t.name));
  const kept = previous.tests.filter((t) => !ran.has(t.name));
  for (const test of kept) {
    for (const folder of new Set(test.attachments.map((a) => a.file.split("/")[0]!))) {
      const target = `${run.staging}/attachments/${folder}`;
      await Deno.mkdir(target, { recursive: true });
      for await (const entry of Deno.readDir(`${published}/attachments/${folder}`)) {
        await Deno.copyFile(
          `${published}/attachments/${folder}/${entry.name}`,
          `${target}/${entry.name}`,
        ).catch(() => {});
      }
    }
  }
  tests.push(...kept);
  return kept.length
    ? `--filter ran ${ran.size} tests; ${kept.length} others keep their results of ${previous.finished_at}`
    : undefined;
}

/** Builds, writes and swaps in one group's results; returns its record. */
export async function publishGroup(reportsDir: string, run: GroupRun): Promise<GroupRecord> {
  await Deno.mkdir(run.staging, { recursive: true });
  const attachmentsDir = `${run.staging}/attachments`;
  const junitFiles = (await Array.fromAsync(Deno.readDir(run.staging)))
    .map((e) => e.name).filter((n) => /^junit.*\.xml$/.test(n)).sort();
  const xml = await Promise.all(junitFiles.map((f) => Deno.readTextFile(`${run.staging}/${f}`)));
  const tests = buildTests(run.name, xml, {
    output: run.output,
    attachments: await readAttachments(attachmentsDir),
  });
  if (run.status === "failed" && !tests.some((t) => t.status === "failed")) {
    tests.push(runFailure(
      run.name,
      run.note ?? "the run failed without a failed test",
      (run.output ?? "").split("\n").slice(-60).join("\n"),
    ));
  }
  if (run.logsDir) {
    const failing = tests.filter((t) => t.status === "failed" && t.attachments.length === 0);
    const tails = failing.length ? await logTails(run.logsDir) : [];
    for (const test of failing) {
      for (const { service, tail } of tails) {
        await attach(test.name, {
          name: `${service} log tail (last ${TAIL_LINES} lines at the end of the group)`,
          type: "text/plain",
          body: tail,
        }, attachmentsDir);
      }
      test.attachments = (await readAttachments(attachmentsDir)).get(test.name)?.files ?? [];
    }
  }
  let note = run.note;
  if (run.filter) {
    // Deno's JUnit lists the tests --filter left out as skipped: they did not run at all.
    const filter = run.filter;
    const left = tests.filter((t) => t.status === "ignored" && !matchesFilter(t.name, filter));
    for (const test of left) tests.splice(tests.indexOf(test), 1);
    const kept = await keepUnfiltered(reportsDir, run, tests);
    if (kept) note = [note, kept].filter(Boolean).join("; ");
  }
  const counts = countTests(tests);
  const record: GroupRecord = {
    name: run.name,
    status: run.status === "skipped" ? "skipped" : counts.failed > 0 ? "failed" : "passed",
    ...(note ? { note } : {}),
    run_id: run.run_id,
    target: run.target,
    started_at: run.started_at,
    finished_at: new Date().toISOString(),
    seconds: run.seconds,
    counts,
    ...(run.filter ? { filter: run.filter } : {}),
    junit: junitFiles,
    ...(run.logsDir ? { logs: run.logsDir.split("/").at(-1) } : {}),
    tests,
  };
  await Deno.writeTextFile(`${run.staging}/results.json`, JSON.stringify(record, null, 1));
  const history = await readHistory(reportsDir);
  const flaky = await readLatestFlaky(reportsDir);
  const marks = outcomeMarks(history, [record], flaky?.summary).get(run.name);
  await Deno.writeTextFile(
    `${run.staging}/index.html`,
    await renderGroupPage(record, { attachmentsDir, marks }),
  );
  // CI tools read reports/junit-<group>.xml: one copy per JUnit file of the group.
  for (const file of junitFiles) {
    const ci = file === "junit.xml"
      ? `junit-${record.name}.xml`
      : file.replace(/^junit-/, `junit-${record.name}-`);
    await writeAtomic(`${reportsDir}/${ci}`, await Deno.readTextFile(`${run.staging}/${file}`));
  }
  await swapIn(run.staging, groupDir(reportsDir, run.name));
  return record;
}

/** Rebuilds `index.html` and `summary.md` from every group's latest results. */
export async function rebuildReport(reportsDir: string): Promise<GroupRecord[]> {
  const [groups, history, flaky, extras] = await Promise.all([
    readGroups(reportsDir),
    readHistory(reportsDir),
    readLatestFlaky(reportsDir),
    readExtras(reportsDir),
  ]);
  const order = GROUPS.map((g) => g.name as string);
  const rank = (name: string) => order.includes(name) ? order.indexOf(name) : order.length;
  groups.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const marks = outcomeMarks(history, groups, flaky?.summary);
  const html = renderLanding(
    { groups, history, marks, extras, flaky, generatedAt: new Date().toISOString() },
    perfFigures(extras.perf?.value),
  );
  await writeAtomic(`${reportsDir}/index.html`, html);
  await writeAtomic(`${reportsDir}/summary.md`, renderJobSummary(groups));
  return groups;
}

/** Adds this run (the groups it ran) to the history, with the headline figures present now. */
export async function recordRun(
  reportsDir: string,
  run: { run_id: string; started_at: string; seconds: number; target: string },
  records: readonly GroupRecord[],
): Promise<void> {
  if (records.every((r) => r.status === "skipped")) return;
  const figures = headlineFigures(await readExtras(reportsDir));
  await appendHistory(reportsDir, historyEntry(run, records, figures));
}
