/** The conformance map: verdicts per rule from JUnit outcomes, tiers and prerequisite records. */
import assert from "node:assert/strict";
import { buildMap, readPrerequisites, renderTable, targetReportArg } from "./conformance_map.ts";
import { trace } from "../rules/trace.ts";

const RULES_MD = `# Rules

## Login (R-LOGIN)

- **R-LOGIN-1** — A code arrives.
- **R-LOGIN-4** — The code verifies.
- **R-LOGIN-5** — Failures look alike.
- **R-LOGIN-6** — Codes expire.
- **R-LOGIN-9** — Codes are random.
  - **Not testable here:** randomness.
- **R-LOGIN-10** — Logout revokes.
`;

/** Built so that the rule reader does not take these fixtures for this file's annotations. */
const R = "//" + " rules:";
const T = "//" + " tier: internal — our table";
const TESTS = `${R} R-LOGIN-1
suiteTest("security: a code arrives", () => {});
${R} R-LOGIN-4, R-LOGIN-5
suiteTest("security: the code verifies", () => {});
${R} R-LOGIN-5
suiteTest("security: wrong code \${n}", () => {});
${R} R-LOGIN-6
${T}
suiteTest("security: an expired code is refused", () => {});
${R} R-LOGIN-10
suiteTest("security: logout needs control", () => {});
`;

const tc = (name: string, inner = "") =>
  `<testcase name="${name}" classname="./tests/security/a_test.ts" time="0.1">${inner}</testcase>`;
const JUNIT = `<testsuites><testsuite name="./tests/security/a_test.ts">
${tc("security: a code arrives", `<failure message="x">Error: no login code: timed out</failure>`)}
${
  tc(
    "security: the code verifies",
    `<failure message="x">BlockedError: blocked by R-LOGIN-1 (first failure: no login code: timed out)\n    at y</failure>`,
  )
}
${tc("security: wrong code 1")}
${tc("security: wrong code 2")}
${tc("security: an expired code is refused", "<skipped/>")}
${tc("security: logout needs control", "<skipped/>")}
</testsuite></testsuites>`;

function map(checksInternals: boolean) {
  return buildMap({
    trace: trace(RULES_MD, [{ path: "tests/security/a_test.ts", text: TESTS }], []),
    junit: [JUNIT],
    prerequisites: [{
      name: "sign-in",
      ok: false,
      rule: "R-LOGIN-1",
      firstFailure: "no login code: timed out",
      at: "2026-12-02T00:00:00Z",
      run: "r",
    }],
    target: "upstream",
    checksInternals,
    now: new Date("2026-12-02T17:00:00Z"),
  });
}

// rules: R-HARNESS-6
Deno.test("conformance map: fail, blocked (naming the prerequisite), pass, not-applicable and untested per rule", () => {
  const m = map(false);
  const v = Object.fromEntries(m.rules.map((r) => [r.id, r.verdict]));
  assert.deepEqual(v, {
    "R-LOGIN-1": "fail",
    "R-LOGIN-4": "blocked",
    // One test blocked, one (a loop of two cases) passed: the rule is not yet failing.
    "R-LOGIN-5": "blocked",
    "R-LOGIN-6": "not-applicable",
    "R-LOGIN-9": "untested",
    "R-LOGIN-10": "untested",
  });
  const r4 = m.rules.find((r) => r.id === "R-LOGIN-4")!;
  assert.deepEqual(r4.blockedBy, { rule: "R-LOGIN-1", firstFailure: "no login code: timed out" });
  const r1 = m.rules.find((r) => r.id === "R-LOGIN-1")!;
  // The probe's failure is reported once, on the prerequisite's own rule.
  assert.deepEqual(r1.tests.map((t) => [t.name, t.status]), [
    ["security: a code arrives", "failed"],
    ["prerequisite probe: sign-in", "failed"],
  ]);
  assert.equal(m.rules.find((r) => r.id === "R-LOGIN-9")!.note, "not-testable: randomness.");
  assert.match(m.rules.find((r) => r.id === "R-LOGIN-10")!.note!, /ignored: the target lacks/);
  assert.deepEqual(m.counts, { pass: 0, fail: 1, blocked: 2, "not-applicable": 1, untested: 2 });
  assert.equal(m.internalTestsNotApplicable, 1);
  assert.equal(m.target, "upstream");
  assert.equal(m.generatedAt, "2026-12-02T17:00:00.000Z");
  const table = renderTable(m);
  assert.match(table, /^R-LOGIN-4 +blocked +0\/1 +by R-LOGIN-1$/m);
  assert.match(table, /^R-LOGIN-1 +FAIL +0\/1 +Error: no login code: timed out$/m);
  assert.match(
    table,
    /6 rules: 0 pass, 1 fail, 2 blocked, 1 not applicable, 2 untested; 1 implementation-check/,
  );
});

// rules: R-HARNESS-6
Deno.test("conformance map: on our own Zapa an ignored internal test is not 'not applicable'", () => {
  const m = map(true);
  assert.equal(m.rules.find((r) => r.id === "R-LOGIN-6")!.verdict, "untested");
  assert.equal(m.internalTestsNotApplicable, 0);
});

// rules: R-HARNESS-6
Deno.test("conformance map: --target-report runs then prints, --target-report=last only prints", () => {
  assert.deepEqual(targetReportArg(["--group=e2e", "--target-report"]), {
    mode: "run",
    rest: ["--group=e2e"],
  });
  assert.deepEqual(targetReportArg(["--target-report=last"]), { mode: "last", rest: [] });
  assert.deepEqual(targetReportArg(["--filter", "x"]), { mode: null, rest: ["--filter", "x"] });
  assert.throws(() => targetReportArg(["--target-report=html"]), /expected --target-report/);
});

// rules: R-HARNESS-5
Deno.test("conformance map: a run reads only its own prerequisite records; another run's folder is left alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zapa-prereq-runs-" });
  try {
    for (const run of ["run-a", "run-b"]) {
      await Deno.mkdir(`${dir}/prerequisites/${run}`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/prerequisites/${run}/sign-in.json`,
        JSON.stringify({ name: "sign-in", run, ok: false, rule: "R-LOGIN-1", firstFailure: run }),
      );
    }
    const records = await readPrerequisites(dir, "run-a");
    assert.deepEqual(records.map((r) => r.firstFailure), ["run-a"]);
    assert.ok((await Deno.stat(`${dir}/prerequisites/run-b/sign-in.json`)).isFile);
    assert.deepEqual(await readPrerequisites(dir, "run-c"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
