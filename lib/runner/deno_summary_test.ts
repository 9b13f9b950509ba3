import assert from "node:assert/strict";
import {
  countsOf,
  junitXml,
  mergeJunit,
  parseJunitCases,
  parseJunitSuites,
  parseSummary,
} from "./deno_summary.ts";

const cases: [string, { passed: number; failed: number; ignored: number; filtered: number }][] = [
  ["ok | 3 passed | 0 failed (12ms)", { passed: 3, failed: 0, ignored: 0, filtered: 0 }],
  ["ok | 6 passed (2 steps) | 0 failed | 1 ignored (112ms)", {
    passed: 6,
    failed: 0,
    ignored: 1,
    filtered: 0,
  }],
  ["ok | 2 passed | 0 failed | 12 filtered out (231ms)", {
    passed: 2,
    failed: 0,
    ignored: 0,
    filtered: 12,
  }],
  ["ok | 11 passed (4 steps) | 0 failed | 0 ignored (1 step) (2s)", {
    passed: 11,
    failed: 0,
    ignored: 0,
    filtered: 0,
  }],
  ["FAILED | 2 passed | 1 failed | 1 ignored (6ms)", {
    passed: 2,
    failed: 1,
    ignored: 1,
    filtered: 0,
  }],
  ["FAILED | 4 passed (3 steps) | 2 failed (1 step) (6ms)", {
    passed: 4,
    failed: 2,
    ignored: 0,
    filtered: 0,
  }],
];

for (const [line, expected] of cases) {
  Deno.test(`test summary: parses "${line}"`, () => {
    assert.deepEqual(parseSummary(`running 3 tests\nfoo ... ok\n\n${line}\n`), expected);
  });
}

Deno.test("test summary: a failed run without a summary counts as one failure", () => {
  assert.equal(parseSummary("error: Module not found"), null);
  assert.deepEqual(countsOf("error: Module not found", false), {
    passed: 0,
    failed: 1,
    ignored: 0,
    filtered: 0,
  });
  assert.deepEqual(countsOf("ok | 0 passed | 0 failed (1ms)", true).failed, 0);
});

Deno.test("test summary: JUnit suites are read back from what junitXml writes", () => {
  const xml = junitXml("load", [
    { name: "load: load/a.ts (ci profile)", seconds: 1.5 },
    { name: "load: <b> & c", seconds: 0.5, failure: "non-zero exit code" },
  ]);
  assert.ok(!xml.includes("<b>"));
  assert.deepEqual(parseJunitSuites(xml), [
    { name: "load", tests: 2, failures: 1, errors: 0, skipped: 0, time: 2 },
  ]);
});

Deno.test("deno summary: JUnit cases of a real deno test report keep each outcome and the failure text", async () => {
  const xml = await Deno.readTextFile(
    new URL("./testdata/junit_deno_outcomes.xml", import.meta.url),
  );
  const cases = parseJunitCases(xml);
  assert.deepEqual(
    cases.map((c) => [c.name, c.status]),
    [
      ["demo: passes", "passed"],
      ["demo: fails <with> & quotes", "failed"],
      ["demo: ignored", "skipped"],
      ["demo: steps", "passed"],
      ["demo: steps > inner ok", "passed"],
    ],
  );
  assert.equal(cases[0]!.file, "./x_test.ts");
  assert.match(cases[1]!.failure ?? "", /^AssertionError: expected one to be two\n\n1 !== 2/);
  assert.match(cases[1]!.failure ?? "", /at file:\/\/\/repo\/x_test\.ts:3:57$/);
  assert.equal(cases[2]!.failure, undefined);
});

Deno.test("deno summary: the load runner's JUnit cases read back as written", () => {
  const cases = parseJunitCases(junitXml("load", [
    { name: "a (ci profile)", seconds: 1.5 },
    { name: "b (ci profile)", seconds: 2, failure: "threshold p(95)<500 crossed" },
  ]));
  assert.deepEqual(cases, [
    { name: "a (ci profile)", file: "load", status: "passed", seconds: 1.5 },
    {
      name: "b (ci profile)",
      file: "load",
      status: "failed",
      seconds: 2,
      failure: "threshold p(95)<500 crossed",
      message: "threshold p(95)<500 crossed",
    },
  ]);
});

Deno.test("deno summary: shards' JUnit reports merge into one with every case and summed counts", async () => {
  const real = await Deno.readTextFile(
    new URL("./testdata/junit_deno_outcomes.xml", import.meta.url),
  );
  const load = junitXml("load", [{ name: "b", seconds: 2, failure: "crossed" }]);
  const merged = mergeJunit("failure", [real, load]);
  assert.deepEqual(
    parseJunitCases(merged).map((c) => [c.name, c.status]),
    [...parseJunitCases(real), ...parseJunitCases(load)].map((c) => [c.name, c.status]),
  );
  assert.deepEqual(
    parseJunitSuites(merged).map((s) => s.name),
    [...parseJunitSuites(real), ...parseJunitSuites(load)].map((s) => s.name),
  );
  const header = /<testsuites\b[^>]*>/.exec(merged)?.[0] ?? "";
  const sum = (xml: string, key: string) =>
    Number(new RegExp(`<testsuites\\b[^>]*\\b${key}="([^"]*)"`).exec(xml)?.[1] ?? NaN);
  for (const key of ["tests", "failures", "errors"]) {
    assert.equal(sum(merged, key), sum(real, key) + sum(load, key), `${key} in ${header}`);
  }
  assert.equal(mergeJunit("none", []).match(/<testsuite\s/g), null);
});
