/**
 * Benchmark 2: inbound → reply accepted by the bridge at a constant rate. The inbound time is
 * the wall clock when the webhook POST started; the reply time is the bridge's sent-journal
 * `at_ms` (same machine, same clock, sub-millisecond). Replies are paired with their message
 * by the token the mock LLM echoes. A sample of each Zapa run is traced per hop (hops.ts).
 */
import {
  type BenchUser,
  collectReplies,
  createBenchUsers,
  statusCounts,
  warmUpThenSend,
} from "./load.ts";
import { hopBreakdown } from "./hops.ts";
import { type Bench, measured, round1, stats } from "./measure.ts";

export const roundTrip: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 100),
  run: (users, params, _index, url) =>
    measured(async () => {
      const rate = params.rate ?? 100;
      const { since, sent } = await warmUpThenSend(users, {
        rate,
        seconds: params.seconds ?? 30,
        warmupS: params.warmup_s ?? 3,
        url,
      });
      const replies = await collectReplies(since, sent.shots.map((s) => s.token), {
        deadlineMs: 30_000,
      });
      const trips = sent.shots.flatMap((s) => {
        const r = replies.get(s.token);
        return r ? [r.at - s.wall] : [];
      });
      const trip = stats(trips);
      const ack = stats(sent.shots.filter((s) => s.status === 200).map((s) => s.ack));
      // Per hop, from Zapa's own trace of a sample (the ceiling loop keeps no records).
      const hops = url === undefined ? await hopBreakdown(sent.shots, replies) : undefined;
      return {
        metrics: {
          round_trip_p50_ms: trip.median,
          round_trip_p95_ms: trip.p95,
          round_trip_p99_ms: trip.p99,
          round_trip_max_ms: trip.max,
          ack_p95_ms: ack.p95,
          achieved_rate: round1(sent.achievedRate),
          sent: sent.shots.length,
          replied: replies.size,
          missing_replies: sent.shots.length - replies.size,
        },
        figures: { round_trip: trip, ack, statuses: statusCounts(sent.shots), hops },
      };
    }),
};
