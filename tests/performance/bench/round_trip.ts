/**
 * Benchmark 2: inbound → reply accepted by the bridge at a constant rate. The inbound time is
 * the wall clock when the webhook POST started; the reply time is the bridge's sent-journal
 * `at_ms` (same machine, same clock, sub-millisecond). Replies are paired with their message
 * by the token the mock LLM echoes. A sample of each Zapa run is traced per hop (hops.ts).
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
import { hopBreakdown } from "./hops.ts";
import { type Bench, measured, measuredPair, round1, stats } from "./measure.ts";
import type { RunResult } from "./scenarios.ts";

/** The run's figures for the shots that went to one target, paired with its replies. */
async function tripResult(
  shots: readonly Shot[],
  sent: SendResult,
  since: number,
  to: LoadTarget,
  traced: boolean,
): Promise<RunResult> {
  const replies = await collectReplies(since, shots.map((s) => s.token), {
    deadlineMs: 30_000,
    bridge: to.bridgeControl,
  });
  const trips = shots.flatMap((s) => {
    const r = replies.get(s.token);
    return r ? [r.at - s.wall] : [];
  });
  const trip = stats(trips);
  const ack = stats(shots.filter((s) => s.status === 200).map((s) => s.ack));
  // Per hop, from Zapa's own trace of a sample (the ceiling loop keeps no records).
  const hops = traced ? await hopBreakdown(shots, replies) : undefined;
  return {
    metrics: {
      round_trip_p50_ms: trip.median,
      round_trip_p95_ms: trip.p95,
      round_trip_p99_ms: trip.p99,
      round_trip_max_ms: trip.max,
      ack_p95_ms: ack.p95,
      achieved_rate: round1(sent.achievedRate),
      sent: shots.length,
      replied: replies.size,
      missing_replies: shots.length - replies.size,
    },
    figures: { round_trip: trip, ack, statuses: statusCounts(shots), hops },
  };
}

export const roundTrip: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 100),
  run: (users, params, _index, to) =>
    measured(async () => {
      const { since, sent } = await warmUpThenSend(users, { ...scheduleOf(params, 100), to });
      return await tripResult(sent.shots, sent, since[0]!, to ?? zapaTarget(), to === undefined);
    }),
  runPaired: (users, params, _index, ceiling) =>
    measuredPair(() =>
      inTurns(
        users,
        scheduleOf(params, 100),
        ceiling,
        (shots, sent, since, to, target) => tripResult(shots, sent, since, to, target === 0),
      )
    ),
};
