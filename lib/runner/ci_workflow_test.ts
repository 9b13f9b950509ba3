/**
 * The CI workflow runs one job per suite group of the test command, uploads the reports and
 * writes the job summary.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { GROUPS } from "./test_groups.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const workflow: Any = parse(await Deno.readTextFile(".github/workflows/integration-tests.yml"));

Deno.test("CI workflow: push and pull request to main, one job per suite group, reports uploaded, job summary written", () => {
  assert.deepEqual(workflow.on.push.branches, ["main"]);
  assert.deepEqual(workflow.on.pull_request.branches, ["main"]);
  const suite = workflow.jobs.suite;
  assert.deepEqual(suite.strategy.matrix.group, GROUPS.map((g) => g.name));
  const steps: Any[] = suite.steps;
  assert.ok(steps.some((s) => String(s.uses).startsWith("denoland/setup-deno@")));
  assert.ok(steps.some((s) => s.run === "deno task test:${{ matrix.group }}"));
  const upload = steps.find((s) => String(s.uses).startsWith("actions/upload-artifact@"));
  assert.equal(upload?.with.path, "reports/");
  assert.equal(upload?.if, "always()");
  assert.ok(steps.some((s) => String(s.with?.report_paths) === "reports/junit-*.xml"));
  const summary = steps.find((s) => String(s.run).includes("lib/runner/report/job_summary.ts"));
  assert.equal(summary?.if, "always()", "the job summary is written for failing runs too");
  assert.match(summary.run, /--allow-write="\$GITHUB_STEP_SUMMARY"/);
  const install = steps.find((s) => String(s.run).includes("apt-get install"))?.run ?? "";
  for (const pkg of ["postgresql-15", "redis-server", "chromium", "wrk"]) {
    assert.ok(install.includes(pkg), pkg);
  }
  const config = JSON.parse(Deno.readTextFileSync("deno.json"));
  for (const group of GROUPS) {
    assert.ok(config.tasks[`test:${group.name}`], `task test:${group.name}`);
  }
});
