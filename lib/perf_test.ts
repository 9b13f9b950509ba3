import assert from "node:assert/strict";
import { percentile, summarize } from "./perf.ts";

Deno.test("perf: percentiles use the nearest rank", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 95), 95);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 95), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

Deno.test("perf: a summary reports count, spread and percentiles", () => {
  const s = summarize([5, 1, 3, 2, 4]);
  assert.deepEqual(s, { count: 5, min: 1, avg: 3, median: 3, p95: 5, p99: 5, max: 5 });
});
