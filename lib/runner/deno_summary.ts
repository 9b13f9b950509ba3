/**
 * Reading `deno test` results: its closing `ok | N passed … | N failed …` line (top-level
 * tests; steps are in parentheses and not counted) and JUnit XML test suites.
 */

export interface TestCounts {
  passed: number;
  failed: number;
  ignored: number;
  filtered: number;
}

/** The counts of the last summary line in a `deno test` output; null when there is none. */
export function parseSummary(output: string): TestCounts | null {
  const line = output.split("\n").findLast((l) => /^(ok|FAILED) \| /.test(l));
  if (line === undefined) return null;
  const number = (label: string) => Number(new RegExp(`(\\d+) ${label}`).exec(line)?.[1] ?? 0);
  return {
    passed: number("passed"),
    failed: number("failed"),
    ignored: number("ignored"),
    filtered: number("filtered out"),
  };
}

/**
 * The counts of a finished `deno test`: a non-zero exit without any failed test (a module that
 * does not load or type-check, a crash) still counts as one failure.
 */
export function countsOf(output: string, success: boolean): TestCounts {
  const counts = parseSummary(output) ?? { passed: 0, failed: 0, ignored: 0, filtered: 0 };
  if (!success && counts.failed === 0) counts.failed = 1;
  return counts;
}

export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function attribute(tag: string, name: string): string {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? "";
}

function unescapeXml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'").replaceAll("&amp;", "&");
}

/** The `<testsuite>` elements of a JUnit report (Deno writes one per test file). */
export function parseJunitSuites(xml: string): JunitSuite[] {
  const suites: JunitSuite[] = [];
  for (const match of xml.matchAll(/<testsuite\s[^>]*>/g)) {
    const tag = match[0];
    suites.push({
      name: unescapeXml(attribute(tag, "name")),
      tests: Number(attribute(tag, "tests") || 0),
      failures: Number(attribute(tag, "failures") || 0),
      errors: Number(attribute(tag, "errors") || 0),
      skipped: Number(attribute(tag, "skipped") || 0),
      time: Number(attribute(tag, "time") || 0),
    });
  }
  return suites;
}

export interface JunitCase {
  /** The test's name (`parent > step` for a step). */
  name: string;
  /** The file it sits under (the test command regroups cases by module). */
  file: string;
  status: "passed" | "failed" | "skipped";
  seconds: number;
  /** The failure's message and details, for a failed case. */
  failure?: string;
  /** The failure's message alone (expected vs seen), without the code frame and stack. */
  message?: string;
}

/** Every `<testcase>` of a JUnit report, with its outcome. */
export function parseJunitCases(xml: string): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const match of xml.matchAll(/<testcase\s[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g)) {
    const text = match[0];
    const tag = /^<testcase\s[^>]*>/.exec(text)?.[0] ?? text;
    const failure = /<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/.exec(text);
    const skipped = /<skipped\b/.test(text);
    cases.push({
      name: unescapeXml(attribute(tag, "name")),
      file: unescapeXml(attribute(tag, "classname")),
      status: failure ? "failed" : skipped ? "skipped" : "passed",
      seconds: Number(attribute(tag, "time") || 0),
      ...(failure
        ? {
          // The element's text holds the message and the stack; its attribute only the message.
          failure: unescapeXml((failure[3] ?? "").trim() || attribute(failure[2] ?? "", "message")),
          message: unescapeXml(attribute(failure[2] ?? "", "message")).replace(/^Uncaught /, "")
            .trim(),
        }
        : {}),
    });
  }
  return cases;
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** A JUnit report for results that do not come from `deno test` (the load runs). */
export function junitXml(
  suite: string,
  cases: { name: string; seconds: number; failure?: string }[],
): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const time = cases.reduce((sum, c) => sum + c.seconds, 0).toFixed(3);
  const body = cases.map((c) =>
    `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(suite)}" time="${
      c.seconds.toFixed(3)
    }">` +
    (c.failure === undefined ? "" : `\n      <failure message="${escapeXml(c.failure)}"/>\n    `) +
    "</testcase>"
  ).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${
    escapeXml(suite)
  }" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">\n  <testsuite name="${
    escapeXml(suite)
  }" tests="${cases.length}" disabled="0" errors="0" failures="${failures}" time="${time}">\n${body}\n  </testsuite>\n</testsuites>\n`;
}

/**
 * One JUnit report from several (the shards of a group, each its own `deno test`): their
 * `<testsuite>` elements under one `<testsuites>` whose counts and time are the sums.
 */
export function mergeJunit(name: string, reports: readonly string[]): string {
  const suites = reports.flatMap((xml) =>
    [
      ...xml.matchAll(/<testsuite\s[^>]*?(?:\/>|>[\s\S]*?<\/testsuite>)/g),
    ].map((m) => m[0])
  );
  const totals = { tests: 0, failures: 0, errors: 0, time: 0 };
  for (const xml of reports) {
    const tag = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      totals[key] += Number(attribute(tag, key) || 0);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${
    escapeXml(name)
  }" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${
    totals.time.toFixed(3)
  }">\n${suites.map((s) => `    ${s}`).join("\n")}\n</testsuites>\n`;
}
