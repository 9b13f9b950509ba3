/**
 * The report's data: one record per group run (`reports/groups/<group>/results.json`) and one
 * small entry per test-command run (`reports/history/run-*.json`). Every page and the CI job
 * summary are rendered from these, so their totals agree.
 */

export type TestStatus = "passed" | "failed" | "ignored";

export interface Failure {
  /** What the assertion said: expected vs seen. */
  message: string;
  stack: string;
}

export interface StepResult {
  name: string;
  status: TestStatus;
  seconds: number;
  failure?: Failure;
}

export interface AttachmentRef {
  name: string;
  type: string;
  /** Relative to the group's attachments folder. */
  file: string;
}

export interface TestResult {
  name: string;
  /** The part of the name before the first ": " ("security"), or the group. */
  suite: string;
  file: string;
  status: TestStatus;
  /** Why an ignored test did not run, when the suite said so. */
  reason?: string;
  seconds: number;
  steps: StepResult[];
  failure?: Failure;
  attachments: AttachmentRef[];
}

export interface GroupCounts {
  passed: number;
  failed: number;
  ignored: number;
}

export interface GroupRecord {
  name: string;
  status: "passed" | "failed" | "skipped";
  note?: string;
  run_id: string;
  target: string;
  started_at: string;
  finished_at: string;
  /** Wall time of the group (its `deno test` process or load runs). */
  seconds: number;
  /** Counted from `tests`, top-level tests only, as `deno test` counts them. */
  counts: GroupCounts;
  /** The `--filter` of a partial run, shown beside its counts. */
  filter?: string;
  /** JUnit files in the group folder. */
  junit: string[];
  /** The stack's log folder name under reports/logs/, kept while this record is the latest. */
  logs?: string;
  tests: TestResult[];
}

/** One test-command run, for trends: small on purpose (the last 20 are kept). */
export interface HistoryEntry {
  run_id: string;
  started_at: string;
  seconds: number;
  target: string;
  groups: Record<string, GroupCounts & { seconds: number }>;
  /** `<group>\u0000<test name>` → status. */
  tests: Record<string, TestStatus>;
  /** Headline figures: `perf: <figure> p95 ms`, `load: <script> p95 ms` → value. */
  figures: Record<string, number>;
}

export function countTests(tests: readonly TestResult[]): GroupCounts {
  const counts = { passed: 0, failed: 0, ignored: 0 };
  for (const t of tests) counts[t.status]++;
  return counts;
}

export function suiteOf(name: string, group: string): string {
  const match = /^([\w\- ]+?): /.exec(name);
  return match ? match[1]! : group;
}
