/**
 * Raw inbound throughput (k6 script, open model): messages arrive at a fixed rate from a pool
 * of phones whether or not Zapa keeps up. Measures the webhook acknowledgement (the bridge's
 * first delivery attempt, `webhook_ack`), and for one message in ten from a fresh phone the
 * full round trip to the reply (`reply_round_trip`). `dropped_iterations` counts arrivals the
 * generator could not start because every VU was busy.
 *
 *   deno task load load/inbound_throughput.ts --profile ci     20 s at 30 messages/s
 *   deno task load load/inbound_throughput.ts --profile full   5 min at 200 messages/s
 */

import http from "k6/http";
import { check } from "k6";
import { Rate, Trend } from "k6/metrics";
import exec from "k6/execution";
import type { Options } from "k6/options";
import {
  awaitSent,
  checkJournal,
  journalEntries,
  phoneFor,
  replyRoundTrip,
  type RunData,
  runnerRunId,
  sendInbound,
  setupRun,
  targets,
} from "./lib/zapa.ts";
import { parseMs } from "./lib/plan.ts";

const PROFILE = __ENV.PROFILE ?? "ci";

const PROFILES = {
  smoke: { rate: 10, duration: "3s", preAllocatedVUs: 5, maxVUs: 20, pool: 5 },
  // The test command's timed lane waits for it alone: 600 messages (60 traced round trips) in
  // 20 s instead of 30, each phone as busy as before (0.4 messages/s).
  ci: { rate: 30, duration: "20s", preAllocatedVUs: 15, maxVUs: 90, pool: 75 },
  full: { rate: 200, duration: "5m", preAllocatedVUs: 100, maxVUs: 1000, pool: 1000 },
};

const profile = PROFILES[PROFILE as keyof typeof PROFILES] ?? PROFILES.ci;

/** Every SAMPLE_EVERY-th arrival comes from a fresh phone and waits for its reply. */
const SAMPLE_EVERY = 10;

const webhookAck = new Trend("webhook_ack", true);
const webhookAccepted = new Rate("webhook_accepted");

export const options: Options = {
  scenarios: {
    inbound: {
      executor: "constant-arrival-rate",
      rate: profile.rate,
      timeUnit: "1s",
      duration: profile.duration,
      preAllocatedVUs: profile.preAllocatedVUs,
      maxVUs: profile.maxVUs,
      gracefulStop: "30s",
    },
  },
  thresholds: {
    webhook_accepted: ["rate>0.99"],
    // The bridge's view of the acknowledgement, on a box that also runs the load generator
    // (`./run test` runs the load group alone for this reason: beside the other lanes p95 reached
    // 422 ms and 1.19 s).
    webhook_ack: ["p(95)<250"],
    reply_round_trip: ["p(95)<10000"],
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
    dropped_iterations: [`count<${Math.ceil(profile.rate)}`],
    bridge_journal_wrapped: ["count<1"],
  },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"],
};

/** Every arrival is one message, and Zapa answers each one. */
const plannedMessages = Math.ceil(profile.rate * parseMs(profile.duration) / 1000);

export function setup(): Promise<RunData> {
  return setupRun(journalEntries(plannedMessages, 0));
}

export default async function (data: RunData): Promise<void> {
  const t = targets();
  // Unique across all runners of a split test, so samples and fresh phones never collide.
  const n = exec.scenario.iterationInTest;
  const sample = n % SAMPLE_EVERY === 0;
  const phone = sample
    ? phoneFor("1557", data.digits, n / SAMPLE_EVERY)
    : phoneFor("1556", data.digits, n % profile.pool);
  const text = `burst ${runnerRunId(data)} #${n}`;
  const sentAt = Date.now();
  const inbound = await sendInbound(t, phone, text);
  webhookAccepted.add(inbound.ok);
  if (!sample || !inbound.ok) return;

  const attempts = await http.asyncRequest(
    "GET",
    `${t.bridgeUrl}/__mock/webhooks?message_id=${encodeURIComponent(inbound.messageId)}`,
    null,
    { tags: { name: "mock_webhooks", kind: "mock" } },
  );
  const first = attempts.status === 200
    ? (attempts.json("items.0") as { duration_ms?: number } | null)
    : null;
  if (first && typeof first.duration_ms === "number") webhookAck.add(first.duration_ms);

  const reply = await awaitSent(t, phone, { since: 0, timeoutMs: 30_000, match: () => true });
  if (check(reply, { "sampled message gets a reply": (r) => r !== null })) {
    replyRoundTrip.add(Date.now() - sentAt);
  }
}

export async function teardown(data: RunData): Promise<void> {
  await checkJournal(targets(), data.journal);
}
