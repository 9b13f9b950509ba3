/**
 * How a benchmark's runs become one verdict: a ratio by the median of its runs (one slow
 * window does not fail it), a loss by the worst run (one lost reply does), and the agreement
 * of two benchmark runs within 15 %.
 */
import assert from "node:assert/strict";
import { agreement, median, spread, verdicts } from "./stability.ts";
import { type Budget, significant } from "./scenarios.ts";

const ratio: Budget = {
  metric: "ack_p95_ratio",
  op: "<=",
  limit: 8,
  unit: "×",
  aggregate: "median",
};
const loss: Budget = { metric: "missing_replies", op: "<=", limit: 0, unit: "" };
const floor: Budget = { metric: "throughput_ratio", op: ">=", limit: 0.5, unit: "×" };

Deno.test("bench stability: median and spread of runs", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(spread([9, 10, 11]), 0.2);
  assert.equal(spread([10]), 0);
});

Deno.test("bench stability: a ratio is judged by the median run, a loss by the worst", () => {
  const runs = [
    { metrics: { ack_p95_ratio: 7, missing_replies: 0, throughput_ratio: 0.6 } },
    { metrics: { ack_p95_ratio: 20, missing_replies: 1, throughput_ratio: 0.4 } },
    { metrics: { ack_p95_ratio: 6, missing_replies: 0, throughput_ratio: 0.7 } },
  ];
  const [r, l, f] = verdicts([ratio, loss, floor], runs);
  assert.deepEqual([r!.value, r!.passed, r!.runs], [7, true, [7, 20, 6]]);
  assert.deepEqual([l!.value, l!.passed], [1, false], "one lost reply in any run fails");
  assert.deepEqual([f!.value, f!.passed], [0.4, false], "the worst run of a floor without median");
});

Deno.test("bench stability: a run that lacks the metric fails the budget", () => {
  const [r] = verdicts([ratio], [{ metrics: { ack_p95_ratio: 2 } }, { metrics: {} }]);
  assert.equal(r!.passed, false);
  assert.deepEqual(verdicts([ratio], []).map((v) => v.passed), [false]);
});

Deno.test("bench stability: two runs agree when their medians are within 15 % of the smaller", () => {
  const a = agreement({ x: 10, y: 1, z: 5 }, { x: 11.5, y: 1.2, w: 3 });
  assert.deepEqual(a.map((e) => [e.metric, e.change, e.agrees]), [
    ["x", 0.15, true],
    ["y", 0.2, false],
  ]);
  assert.deepEqual(agreement({ x: 1 }, undefined), []);
});

Deno.test("bench stability: ratios keep three significant figures, however small", () => {
  assert.equal(significant(0.0093412), 0.00934);
  assert.equal(significant(13.547), 13.5);
  assert.equal(significant(0.041), 0.041);
  assert.equal(significant(0), 0);
});
