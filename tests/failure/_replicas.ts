/**
 * The replica drills' shared parts (R-REPLICA): the private instances behind the proxy, the
 * phases a drill moves through on facts (replies stored, webhooks proxied), and `underLoad`,
 * which runs a fault under steady traffic and judges it from the bridge's journals. The drills
 * are in replicas_test.ts (kill -9, rolling restart) and replica_queue_test.ts (one queue,
 * SIGTERM, a single instance's restart): two files, so the failure group's shards balance.
 */
import assert from "node:assert/strict";
import { bridgeControl } from "../../lib/fixtures.ts";
import { eventually } from "../../lib/eventually.ts";
import { logTail, target } from "../../lib/target.ts";
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

export const replicas = {
  needs: ["control", "private_replicas", "database"] as const,
  sanitizeOps: false,
  sanitizeResources: false,
};

/** 10 users × 10 messages a second = the 100 messages a second. */
export const USERS = 10;
const PER_USER_PER_SECOND = 10;
/**
 * The two-instances-on-one-queue drill: 30 s at 50 messages/s (1 500 messages) already keeps
 * both instances busy long enough for leases to move between them (each answered a share on
 * every run measured); `ZAPA_REPLICA_SOAK_SECONDS` lengthens or shortens it.
 */
export const SOAK_SECONDS = Number(Deno.env.get("ZAPA_REPLICA_SOAK_SECONDS") ?? 30);

export function instances(): { name: ControlledService; url: string }[] {
  return (target.instances?.private ?? []).map((i) => ({
    name: i.name as ControlledService,
    url: i.url,
  }));
}

/** Every private instance (or those named) is ready, and the proxy routes to each again. */
export async function allInstancesServing(only?: readonly string[]): Promise<void> {
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
export const repliesPerInstance = () => perInstance("zapa_replies_total");

/**
 * Waits until instance `name` has stored `atLeast` more replies than `from` (its count when
 * the phase began; 0 for a process just started). The drills move from phase to phase on this
 * fact, never on a fixed sleep: on a loaded box a second of traffic may be a handful of replies.
 */
export async function untilAnswered(name: string, atLeast: number, from: number): Promise<void> {
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
export async function untilProxied(name: string, atLeast: number, from: number): Promise<void> {
  let now = 0;
  await eventually(async () => (now = (await proxiedTo(name)) ?? Infinity) - from >= atLeast, {
    timeoutMs: 60_000,
    intervalMs: 100,
    message: `the proxy to pass ${atLeast} webhooks to ${name}`,
    onTimeout: () => Promise.resolve(`passed ${now - from}`),
  });
}

/** Replies each phase waits for per instance: at 100 msg/s, about a second of traffic each. */
export const PHASE_REPLIES = 50;

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
export async function underLoad(
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
export async function assertZeros(
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
