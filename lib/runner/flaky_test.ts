import assert from "node:assert/strict";
import { parseFlakyArgs, tally, verdictOf } from "./flaky.ts";
import type { JunitCase } from "./deno_summary.ts";

Deno.test("flaky: arguments take runs, groups, busy loops, and pass the rest to deno test", () => {
  assert.deepEqual(
    parseFlakyArgs(["--runs", "3", "--group=unit,e2e", "--busy=2", "--filter", "jwt"]),
    { runs: 3, groups: ["unit", "e2e"], busy: 2, passthrough: ["--filter", "jwt"] },
  );
  assert.deepEqual(parseFlakyArgs([]), { runs: 5, groups: [], busy: 0, passthrough: [] });
  assert.throws(() => parseFlakyArgs(["--runs", "many"]), /--runs needs a whole number/);
});

const pass = (name: string): JunitCase => ({
  name,
  file: "./a_test.ts",
  status: "passed",
  seconds: 1,
});
const fail = (name: string, failure: string): JunitCase => ({
  name,
  file: "./a_test.ts",
  status: "failed",
  seconds: 1,
  failure,
});

Deno.test("flaky: a test failing in some runs is flaky, in every run broken; the first failure is kept", () => {
  const records = tally([
    [pass("steady"), pass("wobbly"), fail("down", "first"), { ...pass("off"), status: "skipped" }],
    [pass("steady"), fail("wobbly", "race at run 2"), fail("down", "second")],
    [pass("steady"), fail("wobbly", "race at run 3"), fail("down", "third")],
  ]);
  const byName = Object.fromEntries(records.map((r) => [r.name, r]));
  assert.equal(verdictOf(byName.steady!), "stable");
  assert.equal(verdictOf(byName.wobbly!), "flaky");
  assert.deepEqual(byName.wobbly!.failed_runs, [2, 3]);
  assert.equal(byName.wobbly!.first_failure, "race at run 2");
  assert.equal(verdictOf(byName.down!), "broken");
  assert.equal(byName.down!.first_failure, "first");
  assert.equal(byName.off, undefined, "skipped cases are not runs");
  assert.deepEqual(records.map((r) => r.name), ["down", "wobbly", "steady"]);
});

Deno.test("flaky: the same test name in two files is two tests", () => {
  const records = tally([[pass("same"), { ...fail("same", "x"), file: "./b_test.ts" }]]);
  assert.equal(records.length, 2);
});
