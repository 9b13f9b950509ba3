/**
 * The benchmarks' yardsticks: the ceiling loop answers and echoes through the stack's real
 * bridge (a broken loop would make every ratio meaningless), and ratios are computed from the
 * runs they name.
 */
import assert from "node:assert/strict";
import { bridgeControl, target, uniquePhone } from "../../../lib/fixtures.ts";
import { suiteTest } from "../../../lib/target.ts";
import { echoFor, serveCeiling } from "./ceiling_receiver.ts";
import { ratioMetrics, type RunResult, SCENARIOS } from "./scenarios.ts";

const run = (metrics: Record<string, number>): RunResult => ({ metrics, figures: {} });

suiteTest(
  "perf: the ceiling loop echoes only answerable zapw messages, to the sender's number",
  () => {
    const message = (data: Record<string, unknown>) => ({ eventType: "message.received", data });
    assert.deepEqual(
      echoFor(message({ from: "15550001111:12@s.whatsapp.net", text: "bench x-1" })),
      {
        to: "+15550001111",
        text: "bench x-1",
      },
    );
    assert.equal(echoFor(message({ from: "15550001111@s.whatsapp.net", text: "  " })), null);
    assert.equal(echoFor(message({ text: "no sender" })), null);
    assert.equal(echoFor({ eventType: "message.sent", data: { from: "1@s", text: "x" } }), null);
  },
);

suiteTest("perf: ratios divide a Zapa figure by the ceiling or PostgreSQL run beside it", () => {
  const throughput = SCENARIOS.find((s) => s.name === "throughput")!;
  const ratios = ratioMetrics(throughput.ratios!, {
    zapa: run({ replies_per_s: 300 }),
    ceiling: run({ replies_per_s: 600 }),
    pg: run({ pg_commits_per_s: 1200 }),
  });
  assert.deepEqual(ratios, { throughput_ratio: 0.5, replies_per_pg_commit: 0.25 });
  // A missing or zero denominator gives no ratio (and so a missed budget), never Infinity.
  assert.deepEqual(
    ratioMetrics(throughput.ratios!, {
      zapa: run({ replies_per_s: 300 }),
      ceiling: run({ replies_per_s: 0 }),
    }),
    {},
  );
  for (const scenario of SCENARIOS) {
    for (const budget of scenario.budgets) {
      assert.ok(
        budget.unit === "" || budget.metric.includes("ratio") || budget.unit.startsWith("×"),
        `${scenario.name}: the timing budget ${budget.metric} is a ratio`,
      );
    }
  }
});

suiteTest(
  "perf: the ceiling loop acknowledges a webhook and its echo reaches the bridge",
  async () => {
    const server = serveCeiling({
      port: 0,
      bridgeUrl: target.urls.bridge,
      apiKey: target.bridge_api_key,
      sessionId: target.session_id,
    });
    try {
      const phone = uniquePhone();
      const since = await bridgeControl.lastSeq();
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          sessionId: target.session_id,
          eventType: "message.received",
          data: { from: `${phone.slice(1)}@s.whatsapp.net`, text: "bench ceiling-1" },
        }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "accepted" });
      const [sent] = await bridgeControl.waitForSent({ to: phone, since, timeoutMs: 10_000 });
      assert.equal(sent?.text, "bench ceiling-1");
    } finally {
      await server.shutdown();
    }
  },
);
