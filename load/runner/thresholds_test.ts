import assert from "node:assert/strict";
import { Registry } from "./metrics.ts";
import {
  bindThresholds,
  evaluateThresholds,
  parseExpression,
  parseThresholds,
} from "./thresholds.ts";

Deno.test("load runner: threshold expressions parse like k6's", () => {
  const cases: [string, string, string, number][] = [
    ["p(95)<500", "p(95)", "<", 500],
    ["p( 99.9 ) <= 1.5", "p(99.9)", "<=", 1.5],
    ["rate<0.01", "rate", "<", 0.01],
    ["avg>=10", "avg", ">=", 10],
    ["count > 100", "count", ">", 100],
    ["value==3", "value", "==", 3],
    ["med!=0", "med", "!=", 0],
    ["max===2", "max", "===", 2],
  ];
  for (const [source, aggregation, operator, value] of cases) {
    assert.deepEqual(parseExpression(source), { aggregation, operator, value }, source);
  }
  for (const bad of ["p95<1", "avg<", "<5", "rate<<1", "foo>1", "p(95)<abc"]) {
    assert.throws(() => parseExpression(bad), /malformed threshold/, bad);
  }
});

Deno.test("load runner: thresholds accept strings and objects with abortOnFail", () => {
  const list = parseThresholds({
    http_req_duration: ["p(95)<500", {
      threshold: "avg<100",
      abortOnFail: true,
      delayAbortEval: "10s",
    }],
    checks: "rate>0.99" as never,
  });
  assert.equal(list.length, 3);
  assert.equal(list[1]?.abortOnFail, true);
  assert.equal(list[1]?.delayAbortEvalMs, 10_000);
  assert.equal(list[2]?.metricKey, "checks");
});

Deno.test("load runner: binding refuses unknown metrics and aggregations of the wrong type", () => {
  const reg = new Registry();
  reg.define("lat", "trend", "time");
  reg.define("ok", "rate");
  assert.throws(
    () => bindThresholds(parseThresholds({ nope: ["avg<1"] }), reg),
    /no metric name "nope"/,
  );
  assert.throws(
    () => bindThresholds(parseThresholds({ lat: ["rate<1"] }), reg),
    /not valid for a trend/,
  );
  assert.throws(
    () => bindThresholds(parseThresholds({ ok: ["p(95)<1"] }), reg),
    /not valid for a rate/,
  );
  bindThresholds(parseThresholds({ lat: ["p(90)<1"], ok: ["rate>0.5"] }), reg);
});

Deno.test("load runner: thresholds evaluate trends, rates, counters, gauges and sub-metrics", () => {
  const reg = new Registry();
  reg.define("lat", "trend", "time");
  reg.define("ok", "rate");
  reg.define("n", "counter");
  reg.define("g", "gauge");
  const ts = parseThresholds({
    lat: ["p(50)<=50.5", "avg<51", "max<=100", "min>=1"],
    "lat{kind:api}": ["p(95)<10"],
    ok: ["rate>0.7"],
    n: ["count==100", "rate>=10"],
    g: ["value==7"],
  });
  bindThresholds(ts, reg);
  for (let i = 1; i <= 100; i++) reg.add("lat", i, { kind: i <= 10 ? "api" : "mock" });
  for (let i = 0; i < 10; i++) reg.add("ok", i < 8 ? 1 : 0, {});
  reg.add("n", 60, {});
  reg.add("n", 40, {});
  reg.add("g", 3, {});
  reg.add("g", 7, {});
  assert.equal(evaluateThresholds(ts, 10_000), true);
  const byKey = Object.fromEntries(ts.map((t) => [`${t.metricKey} ${t.source}`, t.observed]));
  assert.equal(byKey["lat p(50)<=50.5"], 50.5);
  assert.ok(Math.abs((byKey["lat{kind:api} p(95)<10"] ?? 0) - 9.55) < 1e-9);
  assert.equal(byKey["ok rate>0.7"], 0.8);
  assert.equal(byKey["n rate>=10"], 10);

  const failing = parseThresholds({ lat: ["p(99)<1"], ok: ["rate>0.9"] });
  bindThresholds(failing, reg);
  assert.equal(evaluateThresholds(failing, 10_000), false);
  assert.deepEqual(failing.map((t) => t.ok), [false, false]);
});
