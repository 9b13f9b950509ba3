/**
 * The conformance map: every numbered rule of `spec/rules.md` with a verdict for the target of
 * a run — pass, fail, blocked (a prerequisite failed), not-applicable (only implementation
 * checks cover it, and they do not apply to a foreign Zapa) or untested — built from the run's
 * JUnit files, the tests' `// rules:` and `// tier:` declarations and the prerequisite records.
 * Written as `<reports>/conformance-map.json` (the report renders it) and printed as a table.
 */
import { type JunitCase, parseJunitCases } from "./deno_summary.ts";
import { parseBlocked, type PrerequisiteRecord } from "../prerequisites.ts";
import { readSources, type Trace, trace } from "../rules/trace.ts";

export type Verdict = "pass" | "fail" | "blocked" | "not-applicable" | "untested";
/** A declared test's outcome in this run. */
export type TestStatus =
  | "passed"
  | "failed"
  | "blocked"
  | "not-applicable"
  | "ignored"
  | "not-run";

export interface MapTest {
  name: string;
  file: string;
  status: TestStatus;
  tier: "public" | "internal";
  /** First line of the failure, or the blocked-by text. */
  detail?: string;
}

export interface MapRule {
  id: string;
  title: string;
  group: string;
  verdict: Verdict;
  tests: MapTest[];
  blockedBy?: { rule: string; firstFailure: string };
  /** Why a rule is untested: the written reason of rules.md, or that no test of it ran. */
  note?: string;
}

export interface ConformanceMap {
  target: string;
  generatedAt: string;
  /** Whether internal-tier tests were held to this target (ZAPA_CHECK_INTERNALS or our own). */
  checksInternals: boolean;
  counts: Record<Verdict, number>;
  /** Internal-tier tests that were reported ignored for that reason in this run. */
  internalTestsNotApplicable: number;
  rules: MapRule[];
}

/** A declared name (template literals keep `${…}`) as a matcher of run-time names. */
function nameMatcher(declared: string): (name: string) => boolean {
  if (!declared.includes("${")) return (name) => name === declared;
  const parts = declared.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`^${parts.join(".*?")}$`, "s");
  return (name) => re.test(name);
}

function sameFile(declared: string, junitFile: string): boolean {
  return junitFile.replace(/^\.\//, "").endsWith(declared) || junitFile === "";
}

function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  return line.length > 240 ? `${line.slice(0, 240)}…` : line;
}

/** The outcome of one declared test among the run's cases (worst of its cases, for loops). */
function testStatus(
  cases: JunitCase[],
  internalNotApplicable: boolean,
): { status: TestStatus; detail?: string } {
  if (cases.length === 0) return { status: "not-run" };
  const failed = cases.filter((c) => c.status === "failed");
  const own = failed.find((c) => !parseBlocked(c.failure ?? ""));
  if (own) return { status: "failed", detail: firstLine(own.failure ?? "") };
  if (failed.length > 0) {
    const b = parseBlocked(failed[0]!.failure ?? "")!;
    return { status: "blocked", detail: `blocked by ${b.rule} (first failure: ${b.firstFailure})` };
  }
  if (cases.some((c) => c.status === "passed")) return { status: "passed" };
  return { status: internalNotApplicable ? "not-applicable" : "ignored" };
}

export interface MapInput {
  trace: Trace;
  /** Text of each `junit-<group>.xml` of the run. */
  junit: string[];
  prerequisites: PrerequisiteRecord[];
  target: string;
  checksInternals: boolean;
  now?: Date;
}

export function buildMap(input: MapInput): ConformanceMap {
  // Steps (`parent > step`) are parts of their test, judged with it.
  const cases = input.junit.flatMap(parseJunitCases).filter((c) => !c.name.includes(" > "));
  const probeFailures = input.prerequisites.filter((p) => !p.ok && p.rule);
  const counts: Record<Verdict, number> = {
    pass: 0,
    fail: 0,
    blocked: 0,
    "not-applicable": 0,
    untested: 0,
  };
  let internalNa = 0;
  const counted = new Set<string>();
  const rules: MapRule[] = input.trace.rules.map((rule) => {
    const tests: MapTest[] = rule.tests.map((t) => {
      const match = nameMatcher(t.name);
      const mine = cases.filter((c) => match(c.name) && sameFile(t.file, c.file));
      const na = t.tier === "internal" && !input.checksInternals;
      const { status, detail } = testStatus(mine, na);
      const key = `${t.file}:${t.line}`;
      if (status === "not-applicable" && !counted.has(key)) {
        counted.add(key);
        internalNa++;
      }
      return { name: t.name, file: t.file, status, tier: t.tier, ...(detail ? { detail } : {}) };
    });
    // A prerequisite probe that failed on this rule's step is the rule's own failure, reported
    // once here even when every test of the rule was itself blocked by it.
    const probe = probeFailures.find((p) => p.rule === rule.id);
    if (probe) {
      tests.push({
        name: `prerequisite probe: ${probe.name}`,
        file: "lib/fixtures.ts",
        status: "failed",
        tier: "public",
        detail: probe.firstFailure ?? "",
      });
    }
    const has = (s: TestStatus) => tests.some((t) => t.status === s);
    let verdict: Verdict;
    let blockedBy: MapRule["blockedBy"];
    let note: string | undefined;
    if (has("failed")) verdict = "fail";
    else if (has("blocked")) {
      verdict = "blocked";
      const b = parseBlocked(tests.find((t) => t.status === "blocked")!.detail!)!;
      blockedBy = { rule: b.rule, firstFailure: b.firstFailure };
    } else if (has("passed")) verdict = "pass";
    else if (has("not-applicable")) verdict = "not-applicable";
    else {
      verdict = "untested";
      note = rule.reason
        ? `${rule.reason.kind}: ${rule.reason.text}`
        : tests.length === 0
        ? "no test declares it"
        : tests.some((t) => t.status === "ignored")
        ? "its tests were ignored: the target lacks what they need"
        : "none of its tests ran in this run's groups";
    }
    counts[verdict]++;
    return {
      id: rule.id,
      title: rule.claim,
      group: rule.group,
      verdict,
      tests,
      ...(blockedBy ? { blockedBy } : {}),
      ...(note ? { note } : {}),
    };
  });
  return {
    target: input.target,
    generatedAt: (input.now ?? new Date()).toISOString(),
    checksInternals: input.checksInternals,
    counts,
    internalTestsNotApplicable: internalNa,
    rules,
  };
}

const LABEL: Record<Verdict, string> = {
  pass: "pass",
  fail: "FAIL",
  blocked: "blocked",
  "not-applicable": "n/a",
  untested: "untested",
};

/** The map as a text table: one line per rule, the reason after its verdict. */
export function renderTable(map: ConformanceMap): string {
  const lines = [
    `Conformance map — ${map.target} (${map.generatedAt})`,
    "",
    `${"rule".padEnd(15)} ${"verdict".padEnd(8)} tests  detail`,
  ];
  for (const r of map.rules) {
    const ran = r.tests.filter((t) =>
      t.status !== "not-run" && !t.name.startsWith("prerequisite probe: ")
    );
    const tally = `${ran.filter((t) => t.status === "passed").length}/${ran.length}`;
    const detail = r.verdict === "fail"
      ? r.tests.find((t) => t.status === "failed")?.detail ?? ""
      : r.verdict === "blocked"
      ? `by ${r.blockedBy!.rule}`
      : r.verdict === "untested"
      ? r.note ?? ""
      : r.verdict === "not-applicable"
      ? "implementation checks only"
      : "";
    lines.push(
      `${r.id.padEnd(15)} ${LABEL[r.verdict].padEnd(8)} ${tally.padStart(5)}  ${
        detail.length > 110 ? `${detail.slice(0, 110)}…` : detail
      }`.trimEnd(),
    );
  }
  const c = map.counts;
  lines.push(
    "",
    `${map.rules.length} rules: ${c.pass} pass, ${c.fail} fail, ${c.blocked} blocked, ` +
      `${c["not-applicable"]} not applicable, ${c.untested} untested; ` +
      `${map.internalTestsNotApplicable} implementation-check tests not applicable`,
  );
  return lines.join("\n");
}

/** `--target-report` (print the map after the run) or `--target-report=last` (print only). */
export function targetReportArg(args: readonly string[]): {
  mode: "run" | "last" | null;
  rest: string[];
} {
  let mode: "run" | "last" | null = null;
  const rest: string[] = [];
  for (const arg of args) {
    if (arg === "--target-report") mode = "run";
    else if (arg === "--target-report=last") mode = "last";
    else if (arg.startsWith("--target-report=")) {
      throw new Error(`${arg}: expected --target-report or --target-report=last`);
    } else rest.push(arg);
  }
  return { mode, rest };
}

/** The prerequisite failures recorded by this run's test processes. */
export async function readPrerequisites(
  reportsDir: string,
  runId: string,
): Promise<PrerequisiteRecord[]> {
  const out: PrerequisiteRecord[] = [];
  try {
    const dir = `${reportsDir}/prerequisites/${runId}`;
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".json")) continue;
      const rec = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)) as PrerequisiteRecord;
      if (rec.run === runId) out.push(rec);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

/** Builds the run's map from the files it left in `reportsDir` and writes it there. */
export async function writeRunMap(options: {
  reportsDir: string;
  runId: string;
  target: string;
  checksInternals: boolean;
  root?: URL;
}): Promise<ConformanceMap> {
  const root = options.root ?? new URL(`file://${Deno.cwd()}/`);
  const rulesMd = await Deno.readTextFile(new URL("spec/rules.md", root));
  const { tests, sources } = await readSources(root);
  const junit: string[] = [];
  for await (const e of Deno.readDir(options.reportsDir)) {
    if (/^junit-.*\.xml$/.test(e.name)) {
      junit.push(await Deno.readTextFile(`${options.reportsDir}/${e.name}`));
    }
  }
  const map = buildMap({
    trace: trace(rulesMd, tests, sources),
    junit,
    prerequisites: await readPrerequisites(options.reportsDir, options.runId),
    target: options.target,
    checksInternals: options.checksInternals,
  });
  await Deno.writeTextFile(
    `${options.reportsDir}/conformance-map.json`,
    JSON.stringify(map, null, 2) + "\n",
  );
  return map;
}
