/**
 * The benchmarks' yardsticks: the ceiling loop answers and echoes through the stack's real
 * bridge (a broken loop would make every ratio meaningless), and ratios are computed from the
 * runs they name.
 */
import assert from "node:assert/strict";
import { bridgeControl, target, uniquePhone } from "../../../lib/fixtures.ts";
import { suiteTest } from "../../../lib/target.ts";
import { echoFor, serveCeiling } from "./ceiling_receiver.ts";
import { newRunId, sendAtRate, sendClosedLoop } from "./load.ts";
import { ratioMetrics, type RunResult, SCENARIOS } from "./scenarios.ts";

/** The ceiling loop on a free port, sending through the stack's bridge. */
const ceilingOnTheStack = () =>
  serveCeiling({
    port: 0,
    bridgeUrl: target.urls.bridge,
    apiKey: target.bridge_api_key,
    sessionId: target.session_id,
  });

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
    const server = ceilingOnTheStack();
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

suiteTest(
  "perf: the closed-model sender keeps one message per user in flight and pairs every reply",
  async () => {
    const server = ceilingOnTheStack();
    try {
      const users = Array.from({ length: 4 }, () => ({ phone: uniquePhone(), apiKey: "-" }));
      const run = await sendClosedLoop({
        users,
        seconds: 1.5,
        runId: newRunId(),
        to: {
          url: `http://127.0.0.1:${server.addr.port}/`,
          bridgeControl: target.urls.bridge_control,
        },
      });
      assert.ok(run.shots.length > users.length, `several messages per user: ${run.shots.length}`);
      assert.deepEqual(run.shots.filter((s) => s.status !== 200), [], "every POST acknowledged");
      const unanswered = run.shots.filter((s) => !run.replies.has(s.token)).map((s) => s.token);
      assert.deepEqual(unanswered, [], "every message paired with its reply");
      assert.equal(run.duplicates, 0);
      // Closed model: a user's next message starts only after the reply to its previous one.
      for (const user of users) {
        const mine = run.shots.filter((s) => s.phone === user.phone);
        for (let i = 1; i < mine.length; i++) {
          const previousReply = run.replies.get(mine[i - 1]!.token)!.at;
          assert.ok(
            mine[i]!.wall >= previousReply - 1,
            `${user.phone}: message ${i} started at ${mine[i]!.wall}, reply ${
              i - 1
            } at ${previousReply}`,
          );
        }
      }
    } finally {
      await server.shutdown();
    }
  },
);

suiteTest(
  "perf: a paired run's schedule alternates between its targets slice by slice, each POST where its shot says",
  async () => {
    // Two receivers that note the message ids they were sent.
    const seen: string[][] = [[], []];
    const servers = seen.map((ids) =>
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
        const body = await req.json() as { data?: { messageId?: string } };
        ids.push(body.data?.messageId ?? "?");
        return Response.json({ status: "accepted" });
      })
    );
    try {
      const users = [{ phone: uniquePhone(), apiKey: "-" }];
      const sent = await sendAtRate({
        users,
        rate: 100,
        count: 80,
        runId: newRunId(),
        sliceMs: 200,
        to: servers.map((server) => ({
          url: `http://127.0.0.1:${server.addr.port}/`,
          bridgeControl: target.urls.bridge_control,
        })),
      });
      // 100 a second in 200 ms turns: 20 messages to one, then 20 to the other.
      assert.deepEqual(
        sent.shots.map((s) => s.target),
        Array.from({ length: 80 }, (_, i) => Math.floor(i / 20) % 2),
      );
      for (const [i, ids] of seen.entries()) {
        const expected = sent.shots.filter((s) => s.target === i).map((s) => s.messageId);
        assert.deepEqual(ids.toSorted(), expected.toSorted(), `target ${i} got its own shots`);
      }
    } finally {
      await Promise.all(servers.map((server) => server.shutdown()));
    }
  },
);
