/**
 * Benchmark 1: webhook acknowledgement latency at a constant rate. The sender POSTs zapw
 * `message.received` events with unique ids for users with a mock-LLM key, so the whole
 * pipeline (ingest, agent, delivery, status webhooks) runs behind the acknowledgements.
 *
 * Paired with the ceiling loop, one schedule alternates between the two a slice at a time
 * (`slice_ms`): each gets `seconds` of the rate, in the same minute of the box.
 */
import {
  type BenchUser,
  collectReplies,
  createBenchUsers,
  inTurns,
  type LoadTarget,
  scheduleOf,
  type SendResult,
  type Shot,
  statusCounts,
  warmUpThenSend,
  zapaTarget,
} from "./load.ts";
import { type Bench, measured, measuredPair, round1, stats } from "./measure.ts";
import type { RunResult } from "./scenarios.ts";

/** The run's figures for the shots that went to one target, and that target's replies. */
async function ackResult(
  shots: readonly Shot[],
  sent: SendResult,
  since: number,
  to: LoadTarget,
): Promise<RunResult> {
  const ok = shots.filter((s) => s.status === 200);
  const ack = stats(ok.map((s) => s.ack));
  // Latency from the scheduled time: includes the sender's own lag (coordinated omission).
  const fromDue = stats(ok.map((s) => s.ack + (s.start - s.due)));
  const lag = stats(shots.map((s) => s.start - s.due));
  const replies = await collectReplies(since, shots.map((s) => s.token), {
    deadlineMs: 30_000,
    bridge: to.bridgeControl,
  });
  return {
    metrics: {
      ack_p50_ms: ack.median,
      ack_p95_ms: ack.p95,
      ack_p99_ms: ack.p99,
      ack_max_ms: ack.max,
      ack_from_schedule_p95_ms: fromDue.p95,
      achieved_rate: round1(sent.achievedRate),
      sender_lag_p95_ms: lag.p95,
      sent: shots.length,
      non_200: shots.length - ok.length,
      replied: replies.size,
    },
    figures: {
      ack,
      ack_from_schedule: fromDue,
      sender_lag: lag,
      statuses: statusCounts(shots),
      errors: [...new Set(shots.filter((s) => s.status !== 200).map((s) => s.body))].slice(0, 5),
      in_flight_cap_hits: sent.capped,
    },
  };
}

export const webhookAck: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 100),
  run: (users, params, _index, to = zapaTarget()) =>
    measured(async () => {
      const { since, sent } = await warmUpThenSend(users, { ...scheduleOf(params, 200), to });
      return await ackResult(sent.shots, sent, since[0]!, to);
    }),
  runPaired: (users, params, _index, ceiling) =>
    measuredPair(() => inTurns(users, scheduleOf(params, 200), ceiling, ackResult)),
};
