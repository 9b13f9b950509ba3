import assert from "node:assert/strict";
import { parseMetricKey, percentile, Registry, Sink } from "./metrics.ts";
import { formatDuration, parseDuration } from "./durations.ts";

Deno.test("load runner: percentiles interpolate between ranks as k6 does", () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5.5);
  assert.equal(percentile(v, 90), 9.1);
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 10);
  assert.equal(percentile([], 95), 0);
  assert.equal(percentile([7], 95), 7);
});

Deno.test("load runner: sinks aggregate per metric type", () => {
  const trend = new Sink("trend");
  for (const x of [5, 1, 3]) trend.add(x);
  assert.deepEqual(["avg", "min", "med", "max"].map((a) => trend.aggregate(a, 1000)), [3, 1, 3, 5]);
  const rate = new Sink("rate");
  for (const x of [1, 0, 1, 1]) rate.add(x);
  assert.equal(rate.aggregate("rate", 1000), 0.75);
  assert.equal(rate.aggregate("passes", 1000), 3);
  const counter = new Sink("counter");
  counter.add(3);
  counter.add(7);
  assert.equal(counter.aggregate("count", 2000), 10);
  assert.equal(counter.aggregate("rate", 2000), 5);
});

Deno.test("load runner: metric keys split into name and tag filter", () => {
  assert.deepEqual(parseMetricKey("http_req_duration"), { name: "http_req_duration", filter: [] });
  assert.deepEqual(parseMetricKey('http_req_duration{ scenario: users , name:"a:b" }'), {
    name: "http_req_duration",
    filter: [["scenario", "users"], ["name", "a:b"]],
  });
  assert.throws(() => parseMetricKey("x{a:b"), /invalid sub-metric/);
});

Deno.test("load runner: the registry refuses a name reused with another type", () => {
  const reg = new Registry();
  reg.define("x", "trend");
  assert.equal(reg.define("x", "trend"), reg.metrics.get("x"));
  assert.throws(() => reg.define("x", "counter"), /already exists as a trend/);
  assert.throws(() => reg.define("bad-name", "counter"), /invalid metric name/);
});

Deno.test("load runner: k6 durations parse and format", () => {
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration(42), 42);
  assert.equal(parseDuration(undefined, 7), 7);
  assert.throws(() => parseDuration("10 seconds"), /invalid duration/);
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(30_000), "30s");
  assert.equal(formatDuration(500), "500ms");
});
