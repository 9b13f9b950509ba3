/**
 * Failure with replicas (R-REPLICA-1, R-REPLICA-3): two private instances working one queue
 * answer every message once and in each user's order; SIGTERM drains an instance; restarting
 * the only serving instance refuses webhooks for a measured window. Every drill writes its
 * figures to `reports/failure/<drill>.json`.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import { suiteTest, target } from "../../lib/target.ts";
import { waitForReadiness } from "./_drill.ts";
import { report } from "./_traffic.ts";
import {
  allInstancesServing,
  assertZeros,
  instances,
  replicas,
  repliesPerInstance,
  SOAK_SECONDS,
  underLoad,
  untilAnswered,
  USERS,
} from "./_replicas.ts";

// rules: R-REPLICA-1, R-ORDER-1
suiteTest(
  `failure: two private instances working one queue answer every message once, in each user's order`,
  replicas,
  async () => {
    const before = await repliesPerInstance();
    const perUserPerSecond = 5;
    const messages = SOAK_SECONDS * USERS * perUserPerSecond;
    const result = await underLoad("replica_one_queue", async (traffic) => {
      // The scenario is a number of messages (SOAK_SECONDS at 50/s), counted as they are sent.
      await eventually(() => traffic.count >= messages, {
        timeoutMs: 3 * SOAK_SECONDS * 1000,
        intervalMs: 250,
        message: `${messages} messages sent`,
        onTimeout: () => Promise.resolve(`sent ${traffic.count}`),
      });
      return { figures: { soak_seconds: SOAK_SECONDS }, restarted: [] };
    }, { perUserPerSecond });
    const after = await repliesPerInstance();
    const share = Object.fromEntries(
      Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]),
    );
    await report("replica_one_queue_share", { replies_per_instance: share });
    await assertZeros(result, "two instances on one queue");
    // A message stored straight in PostgreSQL (Redis timed out, R-INTAKE-2) skips the
    // queue; only an inversion it explains is tolerated, and the report states the figure.
    const unexplained = result.replies.outOfOrder.filter((t) =>
      !result.replies.overtakenByFallback.includes(t)
    );
    assert.deepEqual(
      unexplained,
      [],
      `replies out of each user's order: ${unexplained.slice(0, 10).join(", ")}`,
    );
    for (const [name, n] of Object.entries(share)) {
      assert.ok(n > 0, `${name} answered some of the messages (the lock is shared): ${n}`);
    }
  },
);

// rules: R-REPLICA-3
// tier: internal — matches our shutdown log text
suiteTest(
  "failure: SIGTERM makes a private instance report not ready first, then finish and exit",
  replicas,
  async () => {
    await allInstancesServing();
    const { name, url } = instances()[0]!;
    let sawDraining = false;
    let servedWhileDraining = false;
    const stopping = target.control!.stop(name);
    // While it drains, /ready is 503 naming shutting_down and other routes still answer.
    for (let i = 0; i < 200 && !sawDraining; i++) {
      try {
        const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
        const body = await ready.json() as { failed?: string[] };
        if (ready.status === 503 && body.failed?.includes("shutting_down")) {
          sawDraining = true;
          const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
          await health.body?.cancel();
          servedWhileDraining = health.status === 200;
        }
      } catch {
        break; // the port closed
      }
    }
    await stopping;
    const log = await target.control!.logs(name, 50);
    await target.control!.start(name);
    await allInstancesServing();
    assert.ok(sawDraining, `/ready answered 503 shutting_down before the port closed\n${log}`);
    assert.ok(servedWhileDraining, "other routes were still served while draining");
    assert.match(log, /leases handed back/, "the instance handed its leases back");
  },
);

// rules: R-REPLICA-3, R-HARNESS-2
suiteTest(
  "failure: restarting the only serving private instance — how long webhooks are refused",
  replicas,
  async () => {
    const [only, other] = instances();
    await allInstancesServing();
    await target.control!.stop(other!.name);
    try {
      const result = await underLoad("single_instance_restart", async () => {
        await untilAnswered(only!.name, 20, (await repliesPerInstance())[only!.name]!);
        const t0 = performance.now();
        await target.control!.restart(only!.name);
        await waitForReadiness(only!.url, { ready: true }, 30_000);
        const restartMs = Math.round(performance.now() - t0);
        await untilAnswered(only!.name, 20, 0);
        return {
          figures: { restarted: only!.name, restart_ms: restartMs },
          restarted: [only!.name],
        };
      }, { perUserPerSecond: 2, serving: [only!.name] });
      const { refusedFrom, refusedTo } = result.bridge;
      const refusedMs = refusedFrom && refusedTo
        ? Date.parse(refusedTo) - Date.parse(refusedFrom)
        : 0;
      await report("single_instance_restart_window", {
        refused_window_ms: refusedMs,
        failed_webhook_attempts: result.bridge.failedAttempts,
        dropped_by_bridge: result.bridge.dropped.length,
      });
      // A single instance cannot take webhooks while it restarts: the figure is the point.
      assert.equal(result.replies.lost.length, 0, "every acknowledged message answered");
      assert.equal(result.replies.duplicates.length, 0, "no duplicate reply");
    } finally {
      await target.control!.start(other!.name);
    }
  },
);
