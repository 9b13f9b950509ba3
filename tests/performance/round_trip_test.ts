/**
 * Performance: how long a WhatsApp user waits for Zapa's reply (R-PERF-1, R-PERF-2: round trip
 * average < 5 s and p95 < 10 s; 10 concurrent users answered within 30 s). The figures go to
 * `reports/perf.json`; the budgets are the contract's, far above what this stack needs, so a
 * failure means a real regression, not a slow machine.
 */
import assert from "node:assert/strict";
import { chat, configureLlm, createUser } from "../../lib/fixtures.ts";
import { recordPerf, summarize } from "../../lib/perf.ts";
import { suiteTest } from "../../lib/target.ts";

// rules: R-PERF-1
suiteTest(
  "perf: the reply round trip over 10 sequential messages averages < 5 s, p95 < 10 s",
  async () => {
    const user = await createUser();
    await configureLlm(user);
    const samples: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const started = performance.now();
      const { text } = await chat(user, `round trip ${i}`);
      samples.push(performance.now() - started);
      assert.equal(text, `You said: "round trip ${i}"`);
    }
    const figures = summarize(samples);
    const passed = figures.avg < 5_000 && figures.p95 < 10_000;
    await recordPerf("round_trip_sequential", {
      title:
        "Reply round trip, 10 sequential messages (inbound at the bridge → reply at the bridge)",
      unit: "ms",
      figures: { round_trip: figures },
      budgets: { "round_trip.avg": "< 5000", "round_trip.p95": "< 10000" },
      passed,
    });
    console.log(`round trip ms: ${JSON.stringify(figures)}`);
    assert.ok(passed, `round trip ${JSON.stringify(figures)} exceeds avg 5 s / p95 10 s`);
  },
);

// rules: R-PERF-2, R-ORDER-2
suiteTest("perf: 10 concurrent users are all answered within 30 s", async () => {
  const users = await Promise.all(Array.from({ length: 10 }, () => createUser()));
  await Promise.all(users.map((u) => configureLlm(u)));
  const started = performance.now();
  const latencies = await Promise.all(users.map(async (u, i) => {
    const t0 = performance.now();
    const { text } = await chat(u, `concurrent ${i}`, 30_000);
    assert.equal(text, `You said: "concurrent ${i}"`);
    return performance.now() - t0;
  }));
  const wall = performance.now() - started;
  const figures = summarize(latencies);
  const passed = wall < 30_000;
  await recordPerf("concurrent_users", {
    title: "10 users send at once: time until each is answered",
    unit: "ms",
    figures: { per_user: figures, wall_ms: Math.round(wall) },
    budgets: { wall_ms: "< 30000" },
    passed,
  });
  console.log(
    `10 concurrent users: wall ${Math.round(wall)} ms, per user ${JSON.stringify(figures)}`,
  );
  assert.ok(passed, `10 concurrent users took ${Math.round(wall)} ms`);
});
