/**
 * Benchmark 3: sustained replies per second at saturation. A closed model: each of `users`
 * users keeps one message in flight (sends, waits for its reply in the bridge's sent journal,
 * sends the next) for `seconds`. Replies are counted from the journal's `at_ms` over the window
 * after `warmup_s`. The ceiling loop is driven the same way with the same users, so the ratio
 * compares two saturated pipelines on the same box in the same minute.
 */
import {
  type BenchUser,
  createBenchUsers,
  newRunId,
  sendClosedLoop,
  statusCounts,
} from "./load.ts";
import { type Bench, measured, perSecond, round1, stats } from "./measure.ts";

export const throughput: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 200),
  run: (users, params, _index, to) =>
    measured(async () => {
      const seconds = params.seconds ?? 20;
      const warmup = params.warmup_s ?? 5;
      const run = await sendClosedLoop({ users, seconds, runId: newRunId(), to });
      const at = [...run.replies.values()].map((r) => r.at);
      const from = run.wall0 + warmup * 1000;
      const windowS = (run.wallEnd - from) / 1000;
      const inWindow = at.filter((t) => t >= from && t < run.wallEnd).length;
      const answered = run.shots.filter((s) => s.status === 200);
      const trips = answered.flatMap((s) => {
        const r = run.replies.get(s.token);
        return r ? [r.at - s.wall] : [];
      });
      const ack = stats(answered.map((s) => s.ack));
      return {
        metrics: {
          replies_per_s: windowS > 0 ? round1(inWindow / windowS) : 0,
          users: users.length,
          sent: run.shots.length,
          replied: run.replies.size,
          missing_replies: answered.filter((s) => !run.replies.has(s.token)).length,
          duplicate_replies: run.duplicates,
          refused: run.shots.length - answered.length,
          ack_p95_ms: ack.p95,
          round_trip_p50_ms: stats(trips).median,
          round_trip_p95_ms: stats(trips).p95,
        },
        figures: {
          replies_per_second: perSecond(at, run.wall0, seconds + 1),
          round_trip: stats(trips),
          ack,
          statuses: statusCounts(run.shots),
        },
      };
    }),
};
