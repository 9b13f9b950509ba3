import assert from "node:assert/strict";
import { CEILING_SHARE_BUDGET, median, parseWrk, PEER_RATIO_TARGET, verdict } from "./peers.ts";

// wrk 4.1's report with --latency and our Lua script's closing line.
const WRK = `Running 3s test @ http://127.0.0.1:4111/v1/chat/completions
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.07ms  312.45us   9.81ms   89.12%
    Req/Sec    44.12k     1.23k   45.90k    78.00%
  Latency Distribution
     50%    1.01ms
     75%    1.20ms
     90%    1.41ms
     99%    2.30ms
  131234 requests in 3.00s, 45.12MB read
Requests/sec:  43744.12
Transfer/sec:     15.04MB
non-200 responses: 0
`;

Deno.test("mock LLM peers bench: wrk's rate, mean latency and non-200 count are read", () => {
  assert.deepEqual(parseWrk(WRK), { requests_per_s: 43744.12, latency_avg_ms: 1.07, non_200: 0 });
  const slow = WRK.replace("1.07ms", "850.00us").replace(
    "Transfer/sec",
    "  Non-2xx or 3xx responses: 12\nTransfer/sec",
  );
  assert.deepEqual(parseWrk(slow), { requests_per_s: 43744.12, latency_avg_ms: 0.85, non_200: 12 });
  assert.throws(() => parseWrk("unable to connect to 127.0.0.1:4111"), /wrk printed no rate/);
});

Deno.test("mock LLM peers bench: the median of odd and even counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("mock LLM peers bench: the verdict judges the peer target only where the ceiling allows it", () => {
  // This box on 2026-12-03: the ceiling itself is under 5× aimock.
  const here = verdict({ ours: 20_000, aimock: 8_500, ceiling: 26_000 }, 0);
  assert.equal(here.peer_target, "unreachable on this box");
  assert.equal(here.passed, true);
  assert.equal(here.ceiling_share, 0.77);
  // A box where 5× is possible: missing it fails.
  const fast = verdict({ ours: 30_000, aimock: 8_000, ceiling: 50_000 }, 0);
  assert.deepEqual([fast.peer_target, fast.passed], ["missed", false]);
  assert.deepEqual(
    verdict({ ours: 45_000, aimock: 8_000, ceiling: 50_000 }, 0).peer_target,
    "met",
  );
  // Far under the ceiling fails whatever aimock does; so does a non-200.
  const slow = verdict({ ours: 10_000, aimock: 8_000, ceiling: 26_000 }, 0);
  assert.equal(verdict({ ours: 12_000, aimock: 8_000, ceiling: 26_000 }, 0).passed, true);
  assert.ok(slow.ceiling_share < CEILING_SHARE_BUDGET && !slow.passed);
  assert.equal(verdict({ ours: 20_000, aimock: 8_500, ceiling: 26_000 }, 3).passed, false);
  assert.ok(PEER_RATIO_TARGET >= 5);
});
