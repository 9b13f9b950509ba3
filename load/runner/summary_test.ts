import assert from "node:assert/strict";
import { contextStore, resetRun, run, type VuContext } from "./state.ts";
import { bindThresholds, evaluateThresholds, parseThresholds } from "./thresholds.ts";
import { buildSummaryData, legacyExport } from "./summary.ts";
import { humanizeBytes, humanizeDuration, textSummary } from "./summary_text.ts";
import { htmlReport } from "./report_html.ts";
import { check, group } from "./k6/k6.ts";

/** A finished run's worth of samples: 100 requests, checks in a group, a custom trend. */
function fakeRun() {
  resetRun(() => 0);
  const reg = run.registry;
  reg.define("reply_round_trip", "trend", "time");
  const thresholds = parseThresholds({
    http_req_duration: ["p(95)<50"],
    "http_req_duration{kind:api}": ["p(95)<1"],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
  });
  bindThresholds(thresholds, reg);
  let t = 0;
  reg.now = () => t;
  for (let i = 1; i <= 100; i++) {
    t = i * 100;
    const tags = { kind: i % 2 ? "api" : "mock", expected_response: "true" };
    reg.add("http_reqs", 1, tags);
    reg.add("http_req_duration", i / 2, tags);
    reg.add("http_req_failed", 0, tags);
    reg.add("reply_round_trip", 1000 + i * 10, {});
    reg.add("vus", 5, {});
  }
  const ctx: VuContext = {
    vu: {
      id: 1,
      idInTest: 1,
      iterations: 0,
      module: {},
      controller: new AbortController(),
      busy: true,
    },
    iteration: 0,
    iterationInScenario: 0,
    iterationInTest: 0,
    scenario: {
      name: "default",
      executor: "constant-vus",
      startTime: 0,
      env: {},
      tags: {},
      iterations: 0,
      progress: () => 0,
    },
    group: "",
    vuTags: {},
  };
  contextStore.run(ctx, () => {
    group("login", () => {
      check(200, { "status is 200": (s) => s === 200 });
      check(500, { "status is 200": (s) => s === 200 });
    });
    check(1, { "top level": () => true });
  });
  evaluateThresholds(thresholds, 10_000);
  return {
    thresholds,
    data: buildSummaryData(thresholds, 10_000, ["avg", "med", "p(95)", "p(99)"]),
  };
}

Deno.test("load runner: summary data has k6's handleSummary shape", () => {
  const { data } = fakeRun();
  const m = data.metrics;
  assert.deepEqual(Object.keys(m.http_reqs?.values ?? {}), ["count", "rate"]);
  assert.equal(m.http_reqs?.values.count, 100);
  assert.equal(m.http_reqs?.values.rate, 10);
  assert.deepEqual(Object.keys(m.http_req_duration?.values ?? {}), [
    "avg",
    "med",
    "p(95)",
    "p(99)",
  ]);
  assert.equal(m["http_req_duration{kind:api}"]?.thresholds?.["p(95)<1"]?.ok, false);
  assert.equal(m.http_req_failed?.thresholds?.["rate<0.01"]?.ok, true);
  assert.equal(m.checks?.values.passes, 2);
  assert.equal(m.checks?.values.fails, 1);
  assert.equal(data.root_group.groups[0]?.name, "login");
  assert.deepEqual(data.root_group.groups[0]?.checks[0], {
    name: "status is 200",
    path: "::login::status is 200",
    id: data.root_group.groups[0]?.checks[0]?.id,
    passes: 1,
    fails: 1,
  });
});

Deno.test("load runner: the JSON export uses --summary-export's legacy layout", () => {
  const { data } = fakeRun();
  const exported = JSON.parse(legacyExport(data));
  assert.equal(exported.metrics.checks.value, 2 / 3);
  assert.equal(exported.metrics.checks.rate, undefined);
  assert.deepEqual(exported.metrics["http_req_duration{kind:api}"].thresholds, { "p(95)<1": true });
  assert.deepEqual(exported.metrics.http_req_failed.thresholds, { "rate<0.01": false });
  assert.equal(exported.root_group.groups.login.checks["status is 200"].fails, 1);
  assert.equal(exported.root_group.checks["top level"].passes, 1);
});

Deno.test("load runner: the text summary is laid out like k6's", () => {
  const { data } = fakeRun();
  const text = textSummary(data, [
    "running (00m10.0s), 00/05 VUs, 100 complete and 0 interrupted iterations",
  ]);
  const lines = text.split("\n");
  assert.ok(lines.includes("  █ THRESHOLDS "));
  assert.ok(lines.includes("  █ TOTAL RESULTS "));
  assert.ok(lines.includes("    http_req_duration"));
  assert.ok(lines.includes("      {kind:api}"));
  assert.ok(lines.includes("      ✗ 'p(95)<1' p(95)=47.05ms"), text);
  assert.ok(lines.includes("    ✓ 'rate<0.01' rate=0.00%"));
  assert.ok(lines.some((l) => /^ {4}checks_succeeded\.+: 66\.66% 2 out of 3$/.test(l)), text);
  assert.ok(lines.some((l) => /^ {4}http_reqs\.+: 100 +10\/s$/.test(l)), text);
  assert.ok(lines.some((l) => /^ {6}\{ kind:api \}\.+: avg=/.test(l)), text);
  assert.ok(lines.includes("    ✓ top level"));
  assert.ok(lines.includes("  █ GROUP: login "));
  assert.ok(lines.includes("    ✗ status is 200"));
  assert.ok(lines.includes("      ↳  50% — ✓ 1 / ✗ 1"));
  for (const cat of ["    CUSTOM", "    HTTP", "    EXECUTION"]) {
    assert.ok(lines.includes(cat), cat);
  }
  // every metric line of TOTAL RESULTS has its colon in the same column
  const cols = new Set(
    lines.filter((l) => /^ {4}\S.*\.{2,}: /.test(l)).map((l) => l.indexOf(": ")),
  );
  assert.equal(cols.size, 1, text);
});

Deno.test("load runner: values are humanised like k6", () => {
  assert.equal(humanizeDuration(0.5), "500µs");
  assert.equal(humanizeDuration(12.3456), "12.35ms");
  assert.equal(humanizeDuration(1500), "1.5s");
  assert.equal(humanizeDuration(75_000), "1m15s");
  assert.equal(humanizeBytes(999), "999 B");
  assert.equal(humanizeBytes(1300), "1.3 kB");
  assert.equal(humanizeBytes(31_000), "31 kB");
});

Deno.test("load runner: the HTML report is self-contained with charts", () => {
  const { data } = fakeRun();
  const html = htmlReport(data, run.registry, {
    script: "load/x.ts",
    profile: "ci",
    startedAtIso: "2026-01-01T00:00:00.000Z",
    exitCode: 99,
    scenarios: ["default: 5 looping VUs for 10s"],
    engine: "test",
  });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /FAILED \(exit 99\)/);
  for (
    const title of [
      "http_req_duration: percentiles over time",
      "reply_round_trip: percentiles over time",
      "Throughput and VUs",
      "reply_round_trip: distribution (100 samples)",
      "http_req_duration{kind:api}: percentiles over time",
    ]
  ) {
    assert.ok(html.includes(title), title);
  }
  assert.ok((html.match(/<svg /g) ?? []).length >= 6);
  assert.doesNotMatch(html, /<script|<link|src=|href=/i);
  assert.equal(
    html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "").includes("http://"),
    false,
  );
  assert.ok(html.includes("reply round trip p95"));
});
