/**
 * Benchmark 1: webhook acknowledgement latency at a constant rate. The sender POSTs zapw
 * `message.received` events with unique ids for users with a mock-LLM key, so the whole
 * pipeline (ingest, agent, delivery, status webhooks) runs behind the acknowledgements.
 */
import {
  type BenchUser,
  collectReplies,
  createBenchUsers,
  statusCounts,
  warmUpThenSend,
} from "./load.ts";
import { type Bench, measured, round1, stats } from "./measure.ts";

export const webhookAck: Bench<BenchUser[]> = {
  setup: (params) => createBenchUsers(params.users ?? 100),
  run: (users, params, _index, url) =>
    measured(async () => {
      const rate = params.rate ?? 200;
      const { since, sent } = await warmUpThenSend(users, {
        rate,
        seconds: params.seconds ?? 30,
        warmupS: params.warmup_s ?? 3,
        url,
      });
      const ok = sent.shots.filter((s) => s.status === 200);
      const ack = stats(ok.map((s) => s.ack));
      // Latency from the scheduled time: includes the sender's own lag (coordinated omission).
      const fromDue = stats(ok.map((s) => s.ack + (s.start - s.due)));
      const lag = stats(sent.lag);
      const replies = await collectReplies(since, sent.shots.map((s) => s.token), {
        deadlineMs: 30_000,
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
          sent: sent.shots.length,
          non_200: sent.shots.length - ok.length,
          replied: replies.size,
        },
        figures: {
          ack,
          ack_from_schedule: fromDue,
          sender_lag: lag,
          statuses: statusCounts(sent.shots),
          errors: [...new Set(sent.shots.filter((s) => s.status !== 200).map((s) => s.body))]
            .slice(0, 5),
          in_flight_cap_hits: sent.capped,
        },
      };
    }),
};
