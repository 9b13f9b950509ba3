/**
 * Benchmark 4: 1 000 users, each waiting on an LLM that takes 1 s (`_mock-latency-1000` in the
 * key), all at once. Overhead = (reply accepted by the bridge − webhook POST start) − 1000 ms:
 * what Zapa adds when it serves a thousand slow conversations concurrently
 * (AGENT_CONCURRENCY=1000 on this benchmark's stack).
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
import { type Bench, measured, round1, stats } from "./measure.ts";

export const concurrency: Bench<BenchUser[]> = {
  setup: (params) =>
    createBenchUsers(params.users ?? 1000, {
      keySuffix: `_mock-latency-${params.latency_ms ?? 1000}`,
      parallel: 32,
    }),
  run: (users, params) =>
    measured(async () => {
      const latency = params.latency_ms ?? 1000;
      const since = await journalMark();
      const wall0 = Date.now();
      // One message per user, all users within users/rate seconds.
      const sent = await sendAtRate({
        users,
        rate: params.rate ?? 1000,
        count: users.length,
        runId: newRunId(),
        maxInFlight: 1024,
      });
      const replies = await collectReplies(since, sent.shots.map((s) => s.token), {
        deadlineMs: 60_000,
      });
      const overhead = sent.shots.flatMap((s) => {
        const r = replies.get(s.token);
        return r ? [r.at - s.wall - latency] : [];
      });
      const o = stats(overhead);
      const lastReply = Math.max(...[...replies.values()].map((r) => r.at));
      const ack = stats(sent.shots.filter((s) => s.status === 200).map((s) => s.ack));
      return {
        metrics: {
          overhead_p50_ms: o.median,
          overhead_p95_ms: o.p95,
          overhead_p99_ms: o.p99,
          overhead_max_ms: o.max,
          overhead_p95_of_latency: Math.round((o.p95 / latency) * 1000) / 1000,
          achieved_rate: round1(sent.achievedRate),
          send_span_ms: Math.round(sent.spanS * 1000),
          wall_first_send_to_last_reply_ms: lastReply - wall0,
          sent: sent.shots.length,
          replied: replies.size,
          missing_replies: sent.shots.length - replies.size,
          ack_p95_ms: ack.p95,
        },
        figures: { overhead: o, ack, statuses: statusCounts(sent.shots) },
      };
    }),
};
