/**
 * Failure with replicas (R-REPLICA-1): two private instances behind the proxy. Losing one
 * (kill -9) or restarting all of them one after another under 100 messages a second drops
 * nothing at the bridge, loses nothing and duplicates nothing; two instances working one queue
 * answer every message once and in each user's order; SIGTERM drains an instance. Every drill
 * writes its figures to `reports/failure/<drill>.json`.
 */
import assert from "node:assert/strict";
import { bridgeControl } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import type { ControlledService } from "../../lib/stack/mod.ts";
import { talkers, waitForReadiness } from "./_drill.ts";
import {
  bridgeVerdict,
  instanceMetric,
  proxiedTo,
  proxyRetries,
  proxyRoutesTo,
  replyVerdict,
  report,
  steadyTraffic,
  type Traffic,
  webhookCursor,
} from "./_traffic.ts";

const replicas = {
  needs: ["control", "private_replicas", "database"] as const,
  sanitizeOps: false,
  sanitizeResources: false,
};

/** 10 users × 10 messages a second = the 100 messages a second. */
const USERS = 10;
const PER_USER_PER_SECOND = 10;
/**
 * The two-instances-on-one-queue drill: 30 s at 50 messages/s (1 500 messages) already keeps
 * both instances busy long enough for leases to move between them (each answered a share on
 * every run measured); `ZAPA_REPLICA_SOAK_SECONDS` lengthens or shortens it.
 */
const SOAK_SECONDS = Number(Deno.env.get("ZAPA_REPLICA_SOAK_SECONDS") ?? 30);

function instances(): { name: ControlledService; url: string }[] {
  return (target.instances?.private ?? []).map((i) => ({
    name: i.name as ControlledService,
    url: i.url,
  }));
}

/** Every private instance (or those named) is ready, and the proxy routes to each again. */
async function allInstancesServing(only?: readonly string[]): Promise<void> {
  for (const i of instances().filter((i) => !only || only.includes(i.name))) {
    await waitForReadiness(i.url, { ready: true }, 30_000);
    await proxyRoutesTo(i.name);
  }
}

type Counts = Record<string, number>;

/** One counter on every private instance (0 for one that is down). */
async function perInstance(metric: string, label = ""): Promise<Counts> {
  const counts: Counts = {};
  for (const { name, url } of instances()) counts[name] = await instanceMetric(url, metric, label);
  return counts;
}

/** Replies each instance stored, from its own /metrics. */
const repliesPerInstance = () => perInstance("zapa_replies_total");

/**
 * Waits until instance `name` has stored `atLeast` more replies than `from` (its count when
 * the phase began; 0 for a process just started). The drills move from phase to phase on this
 * fact, never on a fixed sleep: on a loaded box a second of traffic may be a handful of replies.
 */
async function untilAnswered(name: string, atLeast: number, from: number): Promise<void> {
  const url = instances().find((i) => i.name === name)!.url;
  let now = 0;
  await eventually(
    async () => (now = await instanceMetric(url, "zapa_replies_total")) - from >= atLeast,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: `${name} to answer ${atLeast} messages of the drill`,
      onTimeout: () => Promise.resolve(`answered ${now - from}`),
    },
  );
}

/**
 * Waits until the proxy has passed `atLeast` more webhooks to instance `name` than `from`: the
 * instance takes traffic. (Not its replies: a user's lease stays with the instance answering
 * while the user's backlog lasts, so under steady load a restarted instance may answer nobody
 * for a minute while it takes webhooks and sends from the first second.)
 */
async function untilProxied(name: string, atLeast: number, from: number): Promise<void> {
  let now = 0;
  await eventually(async () => (now = (await proxiedTo(name)) ?? Infinity) - from >= atLeast, {
    timeoutMs: 60_000,
    intervalMs: 100,
    message: `the proxy to pass ${atLeast} webhooks to ${name}`,
    onTimeout: () => Promise.resolve(`passed ${now - from}`),
  });
}

/** Replies each phase waits for per instance: at 100 msg/s, about a second of traffic each. */
const PHASE_REPLIES = 50;

/** What a drill's fault did: its own figures, and the instances it (re)started. */
interface Fault {
  figures: Record<string, unknown>;
  /** Instances whose process was replaced: their counters start again from 0. */
  restarted: string[];
}

/**
 * Sends a crash left in doubt that Zapa sent again or settled by a receipt (R-INTAKE-8), summed
 * over the instances from their counters before and after the drill.
 */
async function inDoubt(
  outcome: "resent" | "settled",
  before: Counts,
  restarted: string[],
): Promise<number> {
  const after = await perInstance("zapa_outbound_in_doubt_total", `outcome="${outcome}"`);
  return Object.entries(after).reduce(
    (sum, [name, n]) => sum + (restarted.includes(name) ? n : n - (before[name] ?? 0)),
    0,
  );
}

/**
 * Runs `fault` while the users send, then judges the drill from the bridge's journals and
 * writes the figures. Returns them for drill-specific assertions.
 */
async function underLoad(
  name: string,
  fault: (traffic: Traffic) => Promise<Fault>,
  options: { users?: number; perUserPerSecond?: number; serving?: string[] } = {},
) {
  await allInstancesServing(options.serving);
  const users = await talkers(options.users ?? USERS);
  const since = await bridgeControl.lastSeq();
  const hooks = await webhookCursor();
  const retriesBefore = await proxyRetries();
  const resentBefore = await perInstance("zapa_outbound_in_doubt_total", 'outcome="resent"');
  const settledBefore = await perInstance("zapa_outbound_in_doubt_total", 'outcome="settled"');
  const traffic = steadyTraffic(users, {
    perUserPerSecond: options.perUserPerSecond ?? PER_USER_PER_SECOND,
    label: name,
  });
  const started = performance.now();
  let done: Fault = { figures: {}, restarted: [] };
  let sent;
  try {
    done = await fault(traffic);
  } finally {
    sent = await traffic.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  await allInstancesServing(options.serving);
  const bridge = await bridgeVerdict(sent, hooks);
  const replies = await replyVerdict(bridge.acknowledged, bridge.dropped, { since });
  const retriesAfter = await proxyRetries();
  const figures = {
    ...done.figures,
    messages: sent.length,
    seconds: Number(seconds.toFixed(1)),
    rate_per_s: Number((sent.length / seconds).toFixed(1)),
    dropped_by_bridge: bridge.dropped.length,
    retried_by_bridge: bridge.retriedByBridge,
    failed_webhook_attempts: bridge.failedAttempts,
    lost: replies.lost.length,
    duplicate_replies: replies.duplicates.length,
    resent_in_doubt: await inDoubt("resent", resentBefore, done.restarted),
    settled_in_doubt: await inDoubt("settled", settledBefore, done.restarted),
    out_of_order: replies.outOfOrder.length,
    out_of_order_behind_fallback: replies.overtakenByFallback.length,
    intake_fallbacks: replies.intakeFallbacks,
    proxy_retries: retriesAfter && retriesBefore
      ? retriesAfter.retries - retriesBefore.retries
      : null,
    proxy_redispatches: retriesAfter && retriesBefore
      ? retriesAfter.redispatches - retriesBefore.redispatches
      : null,
  };
  await report(name, figures);
  return { figures, bridge, replies };
}

/**
 * No drop, no loss, no duplicate, and a verdict line that states the three figures. One
 * exception, counted exactly: zapw's send has no idempotency key and its receipts name no
 * recipient, so when a kill -9 leaves an instance's sends in doubt and fewer receipts than
 * sends come back, Zapa cannot tell which arrived and sends them all again (R-INTAKE-8: a
 * repeat, never a loss). A duplicate passes only when Zapa counted at least as many such
 * resends (`resent_in_doubt`); any other duplicate fails the drill.
 */
async function assertZeros(
  result: Awaited<ReturnType<typeof underLoad>>,
  what: string,
): Promise<void> {
  const { bridge, replies, figures } = result;
  const resent = figures.resent_in_doubt;
  const verdict = `${what}: ${bridge.dropped.length} dropped by the bridge, ` +
    `${replies.lost.length} lost, ${replies.duplicates.length} duplicate replies ` +
    `(${resent} sends in doubt sent again)`;
  console.log(`verdict: ${verdict}`);
  const problems = [
    bridge.dropped.length && `${bridge.dropped.length} dropped by the bridge`,
    replies.lost.length && `${replies.lost.length} lost (${replies.lost.slice(0, 5).join(", ")})`,
    replies.duplicates.length > resent &&
    `${replies.duplicates.length} duplicate replies, more than the ${resent} sends in doubt ` +
      `Zapa sent again (${replies.duplicates.slice(0, 5).join(", ")})`,
  ].filter(Boolean);
  if (problems.length > 0) {
    assert.fail(`${what}: ${problems.join("; ")}\n${await logTail(["private", "proxy"], 30)}`);
  }
}

// rules: R-REPLICA-1, R-REPLICA-2, R-REPLICA-4, R-INTAKE-8
suiteTest(
  "failure: kill -9 of one of two private instances under 100 msg/s drops, loses and duplicates nothing (a resend of a send in doubt is counted)",
  replicas,
  async () => {
    const [survivor, victim] = instances().map((i) => i.name) as [
      ControlledService,
      ControlledService,
    ];
    const result = await underLoad("replica_kill", async () => {
      // Traffic flows through both instances: each has answered some of it.
      const start = await repliesPerInstance();
      await untilAnswered(survivor, PHASE_REPLIES, start[survivor]!);
      await untilAnswered(victim, PHASE_REPLIES, start[victim]!);
      const killedAt = performance.now();
      await target.control!.kill(victim);
      // The survivor carries the load alone.
      const alone = await repliesPerInstance();
      await untilAnswered(survivor, 2 * PHASE_REPLIES, alone[survivor]!);
      await target.control!.start(victim);
      await proxyRoutesTo(victim);
      const back = performance.now();
      // And both again: the new process takes its share of the webhooks.
      await untilProxied(victim, PHASE_REPLIES, (await proxiedTo(victim)) ?? 0);
      return {
        figures: { killed: victim, rejoined_after_ms: Math.round(back - killedAt) },
        restarted: [victim],
      };
    });
    await assertZeros(result, `kill -9 of ${victim}`);
  },
);

// rules: R-REPLICA-2, R-REPLICA-3
suiteTest(
  "failure: a rolling restart of every private instance under 100 msg/s drops, loses and duplicates nothing",
  replicas,
  async () => {
    const result = await underLoad("replica_rolling_restart", async () => {
      for (const { name } of instances()) {
        await untilProxied(name, PHASE_REPLIES, (await proxiedTo(name)) ?? 0);
      }
      const restarts: Record<string, number> = {};
      for (const { name, url } of instances()) {
        const t0 = performance.now();
        await target.control!.restart(name); // SIGTERM: drain, finish, hand back, exit; start
        await waitForReadiness(url, { ready: true }, 30_000);
        await proxyRoutesTo(name); // the next one goes down only once this one takes traffic
        await untilProxied(name, PHASE_REPLIES, (await proxiedTo(name)) ?? 0);
        restarts[name] = Math.round(performance.now() - t0);
      }
      return {
        figures: { restart_until_taking_webhooks_ms: restarts },
        restarted: instances().map((i) => i.name),
      };
    });
    await assertZeros(result, "rolling restart");
  },
);

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
