/**
 * Benchmark 3: sustained replies per second. Many users send at a constant offered rate above
 * the target; the reply rate is counted from the bridge's sent journal (`at`) over the send
 * window minus a warm-up, so a backlog that builds up shows as a lower rate, not a hidden one.
 */
import {
  type BenchUser,
  collectReplies,
  createBenchUsers,
  journalMark,
  newRunId,
  sendAtRate,
  statusCounts,
} from "./load.ts";
import { type Bench, measured, perSecond, round1, stats } from "./measure.ts";

export const throughput: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 500),
  run: (users, params, _index, url) =>
    measured(async () => {
      const rate = params.rate ?? 600;
      const seconds = params.seconds ?? 30;
      const warmup = params.warmup_s ?? 5;
      const since = await journalMark();
      const wall0 = Date.now();
      const sent = await sendAtRate({
        users,
        rate,
        count: Math.round(rate * seconds),
        runId: newRunId(),
        maxInFlight: 1024,
        url,
      });
      const wallEnd = Date.now();
      const counts = { duplicates: 0 };
      const replies = await collectReplies(since, sent.shots.map((s) => s.token), {
        deadlineMs: 120_000,
        counts,
      });
      const at = [...replies.values()].map((r) => r.at);
      const windowS = (wallEnd - wall0) / 1000 - warmup;
      const inWindow = at.filter((t) => t >= wall0 + warmup * 1000 && t < wallEnd).length;
      const lastReply = Math.max(...at);
      const trips = sent.shots.flatMap((s) => {
        const r = replies.get(s.token);
        return r ? [r.at - s.wall] : [];
      });
      const ack = stats(sent.shots.filter((s) => s.status === 200).map((s) => s.ack));
      return {
        metrics: {
          replies_per_s: round1(inWindow / windowS),
          offered_rate: rate,
          achieved_rate: round1(sent.achievedRate),
          overall_replies_per_s: round1(replies.size / ((lastReply - wall0) / 1000)),
          drain_after_last_send_ms: lastReply - wallEnd,
          sent: sent.shots.length,
          replied: replies.size,
          missing_replies: sent.shots.length - replies.size,
          duplicate_replies: counts.duplicates,
          ack_p95_ms: ack.p95,
          round_trip_p95_ms: stats(trips).p95,
        },
        figures: {
          replies_per_second: perSecond(at, wall0, (lastReply - wall0) / 1000 + 1),
          sent_per_second: perSecond(sent.shots.map((s) => s.wall), wall0, seconds + 1),
          round_trip: stats(trips),
          ack,
          statuses: statusCounts(sent.shots),
          in_flight_cap_hits: sent.capped,
        },
      };
    }),
};
