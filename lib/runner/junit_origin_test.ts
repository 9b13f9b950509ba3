import assert from "node:assert/strict";
import { collectOrigins, regroupJunit } from "./junit_origin.ts";
import { parseJunitSuites } from "./deno_summary.ts";

const parallel = `./tests/security/a_test.ts => security: one ... ok (11ms)
./tests/security/b_test.ts => security: it's two ... step one ... ok (1ms)
./tests/security/b_test.ts => security: it's two ... FAILED (2ms)
`;
const serial = `running 2 tests from ./tests/failure/x_test.ts
failure: stop ... ok (108ms)
  a step ... ok (1ms)
failure: kill ... FAILED (2ms)
`;

Deno.test("junit origins: test names map to their module in parallel and serial output", () => {
  assert.deepEqual([...collectOrigins(parallel)], [
    ["security: one", "./tests/security/a_test.ts"],
    ["security: it's two", "./tests/security/b_test.ts"],
  ]);
  assert.deepEqual([...collectOrigins(serial)], [
    ["failure: stop", "./tests/failure/x_test.ts"],
    ["failure: kill", "./tests/failure/x_test.ts"],
  ]);
});

Deno.test("junit origins: cases filed under lib/target.ts are regrouped by their module", () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="3" failures="1" errors="0" time="0.1">
    <testsuite name="./lib/target.ts" tests="3" disabled="0" errors="0" failures="1">
        <testcase name="security: one" classname="./lib/target.ts" time="0.011" line="61" col="8">
        </testcase>
        <testcase name="security: it&apos;s two &gt; step one" classname="./lib/target.ts" time="0.001" line="61" col="8">
        </testcase>
        <testcase name="security: it&apos;s two" classname="./lib/target.ts" time="0.002" line="61" col="8">
            <failure message="boom">Error: boom</failure>
        </testcase>
    </testsuite>
</testsuites>
`;
  const out = regroupJunit(xml, collectOrigins(parallel));
  assert.deepEqual(parseJunitSuites(out), [
    {
      name: "./tests/security/a_test.ts",
      tests: 1,
      failures: 0,
      errors: 0,
      skipped: 0,
      time: 0.011,
    },
    {
      name: "./tests/security/b_test.ts",
      tests: 2,
      failures: 1,
      errors: 0,
      skipped: 0,
      time: 0.003,
    },
  ]);
  assert.match(out, /classname="\.\/tests\/security\/b_test\.ts"[^>]*>\s*<failure message="boom">/);
  assert.equal(regroupJunit(xml, new Map()), xml);
});
