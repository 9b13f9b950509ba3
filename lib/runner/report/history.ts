/**
 * What the history says: one entry per test-command run, trends per group, and the tests whose
 * outcome changed between runs — newly broken, fixed, or flaky (flipped more than once in the
 * kept runs, or flaky in the latest `deno task flaky` summary).
 */

import type { GroupRecord, HistoryEntry, TestStatus } from "./model.ts";
import type { FlakySummary } from "./store.ts";
import type { Marks } from "./group_page.ts";

export function testKey(group: string, name: string): string {
  return `${group}\u0000${name}`;
}

/** The history entry of a run, from the groups it ran and the figures present at its end. */
export function historyEntry(
  run: { run_id: string; started_at: string; seconds: number; target: string },
  records: readonly GroupRecord[],
  figures: Record<string, number>,
): HistoryEntry {
  const entry: HistoryEntry = { ...run, groups: {}, tests: {}, figures };
  for (const r of records) {
    if (r.status === "skipped") continue;
    entry.groups[r.name] = { ...r.counts, seconds: Math.round(r.seconds * 10) / 10 };
    for (const t of r.tests) entry.tests[testKey(r.name, t.name)] = t.status;
  }
  return entry;
}

/** A group's pass rate (%) and duration over the kept runs that ran it, oldest first. */
export function groupTrend(history: readonly HistoryEntry[], group: string) {
  const points = history.flatMap((h) => h.groups[group] ? [h.groups[group]!] : []);
  return {
    passRate: points.map((p) => {
      const ran = p.passed + p.failed;
      return ran === 0 ? 100 : (100 * p.passed) / ran;
    }),
    seconds: points.map((p) => p.seconds),
  };
}

/** One headline figure over the kept runs that have it, oldest first. */
export function figureTrend(history: readonly HistoryEntry[], figure: string): number[] {
  return history.flatMap((h) => typeof h.figures[figure] === "number" ? [h.figures[figure]!] : []);
}

/**
 * Per group, the marks of its tests: "newly broken" (failed now, passed in the group's previous
 * run), "fixed" (the reverse) and "flaky" (flipped at least twice over the kept runs, or flaky
 * in the latest flaky summary).
 */
export function outcomeMarks(
  history: readonly HistoryEntry[],
  records: readonly GroupRecord[],
  flaky?: FlakySummary,
): Map<string, Marks> {
  const flakyNames = new Set(
    (flaky?.records ?? []).filter((r) => r.failures > 0 && r.failures < r.runs).map((r) => r.name),
  );
  const all = new Map<string, Marks>();
  for (const record of records) {
    const marks: Marks = new Map();
    const mine = history.filter((h) => h.groups[record.name] && h.run_id <= record.run_id);
    const earlier = mine.filter((h) => h.run_id !== record.run_id);
    const previous = earlier.at(-1);
    for (const test of record.tests) {
      const list: string[] = [];
      const key = testKey(record.name, test.name);
      const before = previous?.tests[key];
      if (test.status === "failed" && before === "passed") list.push("newly broken");
      if (test.status === "passed" && before === "failed") list.push("fixed");
      const outcomes = [...earlier.map((h) => h.tests[key]), test.status]
        .filter((s): s is TestStatus => s === "passed" || s === "failed");
      let flips = 0;
      for (let i = 1; i < outcomes.length; i++) if (outcomes[i] !== outcomes[i - 1]) flips++;
      // Flaky says more than one flip: it replaces "newly broken" / "fixed".
      if (flips >= 2 || flakyNames.has(test.name)) list.splice(0, list.length, "flaky");
      if (list.length > 0) marks.set(test.name, list);
    }
    all.set(record.name, marks);
  }
  return all;
}
