/**
 * Execution segments against k6's documented examples: the ExecutionTuple table (0:1/2,
 * 1/2:3/4, 3/4:1), thirds of 50 VUs, k6-operator's "200 VUs with parallelism 4", the
 * arrival-rate re-split by maxVUs, and k6's striped-offset cases.
 */
import assert from "node:assert/strict";
import { ExecutionTuple, parseSegment, parseSequence, SegmentedIndex } from "./segments.ts";
import { scaleScenario } from "./scenarios.ts";
import type { ConstantArrivalRate, RampingVus } from "./scenarios.ts";
import { arrivalSchedule, rampTarget } from "./executors.ts";

const HALF_QUARTERS = "0,1/2,3/4,1";

/** k6's (start, offsets, lcd) view of a segment's striped positions. */
function striped(seq: string, seg: string): { start: number; offsets: number[]; lcd: number } {
  const t = ExecutionTuple.of(seg, seq);
  const p = t.positions;
  const offsets = p.slice(1).map((v, i) => v - (p[i] as number));
  offsets.push((p[0] as number) + t.lcd - (p[p.length - 1] as number));
  return { start: p[0] as number, offsets, lcd: t.lcd };
}

Deno.test("load segments: segments and sequences parse as k6 writes them", () => {
  assert.deepEqual(parseSegment("1/2:3/4"), { from: { n: 1, d: 2 }, to: { n: 3, d: 4 } });
  assert.deepEqual(parseSegment("50%:0.75"), parseSegment("1/2:3/4"));
  assert.deepEqual(parseSegment("1/5"), { from: { n: 0, d: 1 }, to: { n: 1, d: 5 } });
  assert.deepEqual(parseSegment(""), { from: { n: 0, d: 1 }, to: { n: 1, d: 1 } });
  assert.equal(parseSequence("0,1/3,2/3,1").length, 3);
  for (const bad of ["0.5", "1,1", "1/2,1/3", "abc,1"]) {
    assert.throws(() => parseSequence(bad), Error, bad);
  }
  assert.throws(() => parseSegment("2/3:1/3"), /less than its end/);
  assert.throws(() => ExecutionTuple.of("0:1/2", "0,1/3,1"), /not one of the sequence/);
});

Deno.test("load segments: each runner owns every other stripe, as in k6's ExecutionTuple table", () => {
  const ids = (seg: string) => {
    const index = new SegmentedIndex(ExecutionTuple.of(seg, HALF_QUARTERS));
    return Array.from({ length: 4 }, () => index.next());
  };
  assert.deepEqual(ids("0:1/2"), [0, 2, 4, 6]);
  assert.deepEqual(ids("1/2:3/4"), [1, 5, 9, 13]);
  assert.deepEqual(ids("3/4:1"), [3, 7, 11, 15]);
  // ScaleInt64 rows of the same table, for the global values 1..12.
  const row = (seg: string) =>
    Array.from({ length: 12 }, (_, i) => ExecutionTuple.of(seg, HALF_QUARTERS).scale(i + 1));
  assert.deepEqual(row("0:1/2"), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  assert.deepEqual(row("1/2:3/4"), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  assert.deepEqual(row("3/4:1"), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
});

Deno.test("load segments: thirds split 50 VUs 17/17/16 and small counts to the first runners", () => {
  const thirds = ["0:1/3", "1/3:2/3", "2/3:1"].map((s) => ExecutionTuple.of(s, "0,1/3,2/3,1"));
  assert.deepEqual(thirds.map((t) => t.scale(50)), [17, 17, 16]);
  assert.deepEqual(thirds.map((t) => t.scale(3)), [1, 1, 1]);
  assert.deepEqual(thirds.map((t) => t.scale(2)), [1, 1, 0]);
  assert.deepEqual(thirds.map((t) => t.scale(1)), [1, 0, 0]);
  // Without a sequence a lone segment still gets its share (k6 fills the rest in).
  assert.equal(ExecutionTuple.of("0:1/3").scale(50), 17);
  for (let v = 0; v < 200; v++) {
    assert.equal(thirds.reduce((n, t) => n + t.scale(v), 0), v, `shares of ${v} add up`);
  }
});

Deno.test("load segments: k6-operator's parallelism 4 gives each of 4 runners 50 of 200 VUs", () => {
  const seq = "0,1/4,2/4,3/4,1";
  const shares = ["0:1/4", "1/4:2/4", "2/4:3/4", "3/4:1"].map((s) =>
    ExecutionTuple.of(s, seq).scale(200)
  );
  assert.deepEqual(shares, [50, 50, 50, 50]);
});

Deno.test("load segments: striped offsets match k6's own cases", () => {
  const cases: [string, string, number, number[], number][] = [
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, [4, 3, 3], 10],
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, [4, 6], 10],
    ["0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, [10], 10],
    ["", "0:0.4", 1, [2, 3], 5],
    ["", "2/5:4/5", 1, [3, 2], 5],
    ["", "0:1/5", 1, [5], 5],
  ];
  for (const [seq, seg, start, offsets, lcd] of cases) {
    assert.deepEqual(striped(seq, seg), { start, offsets, lcd }, `${seg} in ${seq || "(none)"}`);
  }
});

Deno.test("load segments: arrival-rate iterations are re-split by how maxVUs were split", () => {
  // k6's case: thirds re-split for 20 VUs become 0,7/20,7/10,1.
  const t = ExecutionTuple.of("0:1/3", "0,1/3,2/3,1").resplit(20);
  assert.ok(t);
  assert.deepEqual(t.sequence.map((s) => `${s.from.n}/${s.from.d}`), ["0/1", "7/20", "7/10"]);
  assert.equal(t.scale(50), 18);
  // A runner with no VUs for the scenario gets no iterations at all.
  assert.equal(ExecutionTuple.of("2/3:1", "0,1/3,2/3,1").resplit(2), null);
});

function arrival(rate: number, duration: number, pre: number, max: number): ConstantArrivalRate {
  return {
    name: "a",
    executor: "constant-arrival-rate",
    rate,
    timeUnitMs: 1000,
    durationMs: duration,
    preAllocatedVUs: pre,
    maxVUs: max,
    startTimeMs: 0,
    gracefulStopMs: 0,
    exec: "default",
    env: {},
    tags: {},
  };
}

Deno.test("load segments: three runners start exactly the one runner's arrivals, none twice", () => {
  const whole = arrivalSchedule(arrival(10, 3000, 5, 20));
  assert.equal(whole.length, 30);
  const seq = "0,1/3,2/3,1";
  const parts = ["0:1/3", "1/3:2/3", "2/3:1"].map((seg) =>
    arrivalSchedule(
      scaleScenario(arrival(10, 3000, 5, 20), ExecutionTuple.of(seg, seq)) as ConstantArrivalRate,
    )
  );
  const merged = parts.flat().sort((a, b) => a.index - b.index);
  assert.deepEqual(merged, whole, "same iteration numbers at the same times");
  assert.deepEqual(parts.map((p) => p.length), [11, 10, 9]);
  // Pre-allocated and max VUs are split the same way; every runner keeps at least one.
  const scaled = ["0:1/3", "1/3:2/3", "2/3:1"].map((seg) =>
    scaleScenario(arrival(10, 3000, 5, 20), ExecutionTuple.of(seg, seq)) as ConstantArrivalRate
  );
  assert.deepEqual(scaled.map((s) => [s.preAllocatedVUs, s.maxVUs]), [[2, 7], [2, 7], [1, 6]]);
});

Deno.test("load segments: ramping VUs follow the scaled global target at every moment", () => {
  const ramp: RampingVus = {
    name: "r",
    executor: "ramping-vus",
    startVUs: 0,
    stages: [{ durationMs: 1000, target: 3 }, { durationMs: 3000, target: 3 }],
    gracefulRampDownMs: 0,
    startTimeMs: 0,
    gracefulStopMs: 0,
    exec: "default",
    env: {},
    tags: {},
  };
  const seq = "0,1/3,2/3,1";
  const parts = ["0:1/3", "1/3:2/3", "2/3:1"].map((seg) =>
    scaleScenario(ramp, ExecutionTuple.of(seg, seq)) as RampingVus
  );
  for (const t of [0, 200, 400, 700, 999, 1500, 3999]) {
    const sum = parts.reduce((n, p) => n + rampTarget(p, t), 0);
    assert.equal(sum, rampTarget(ramp, t), `at ${t} ms`);
  }
  assert.deepEqual(parts.map((p) => rampTarget(p, 2000)), [1, 1, 1]);
});
