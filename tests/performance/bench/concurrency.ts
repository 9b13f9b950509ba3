/**
 * Benchmark 4: 1 000 users, each waiting on an LLM that takes 1 s (`_mock-latency-1000` in the
 * key), all within a second (AGENT_CONCURRENCY=1000 on this benchmark's stack).
 *
 * Its yardstick is the same burst with an instant LLM, sent just before on the same stack by a
 * second set of 1 000 users: the **concurrency ratio** is the slow burst's completion p95 (reply
 * accepted by the bridge − the burst's first POST, less the LLM latency) ÷ the instant burst's
 * completion p95. Both bursts cost the pipeline the same work; the ratio says what holding a
 * thousand conversations open across a slow LLM call adds to it (a lock held across the call, a
 * pool the calls exhaust, a loop that serves them one after another would all raise it).
 *
 * Why completion from the burst's start and not each message's own wait: a thousand messages in
 * a second is more than this box's pipeline drains in a second, so a message's wait is
 * 1 000 × (1/capacity − 1/rate) near saturation — a difference of two close numbers, which moved
 * 2× between stacks booted minutes apart (0.70 and 1.60 × the latency on 2026-12-03). Completion
 * from the start is 1 000/capacity for both bursts, and their ratio cancels the box's speed.
 * The per-message overhead (reply − POST − latency) is still reported, in ms.
 */
import {
  type BenchUser,
  collectReplies,
  createBenchUsers,
  journalMark,
  newRunId,
  type Reply,
  sendAtRate,
  type SendResult,
  statusCounts,
} from "./load.ts";
import { type Bench, measured, round1, stats } from "./measure.ts";

export interface ConcurrencyUsers {
  /** Keys with the latency directive: every reply waits `latency_ms`. */
  slow: BenchUser[];
  /** Plain keys: the mock LLM answers at once. */
  instant: BenchUser[];
}

interface Burst {
  sent: SendResult;
  replies: Map<string, Reply>;
  /** Bridge-clock ms of each replied message: reply accepted − the burst's first POST start. */
  completion: number[];
}

/** One message per user, all within users/rate seconds; waits for every reply. */
async function burst(users: BenchUser[], rate: number): Promise<Burst> {
  const since = await journalMark();
  const sent = await sendAtRate({
    users,
    rate,
    count: users.length,
    runId: newRunId(),
    maxInFlight: 1024,
  });
  const replies = await collectReplies(since, sent.shots.map((s) => s.token), {
    deadlineMs: 60_000,
  });
  const first = Math.min(...sent.shots.map((s) => s.wall));
  const completion = sent.shots.flatMap((s) => {
    const r = replies.get(s.token);
    return r ? [r.at - first] : [];
  });
  return { sent, replies, completion };
}

export const concurrency: Bench<ConcurrencyUsers> = {
  setup: async (params) => {
    const count = params.users ?? 1000;
    const slow = await createBenchUsers(count, {
      keySuffix: `_mock-latency-${params.latency_ms ?? 1000}`,
      parallel: 32,
    });
    const instant = await createBenchUsers(count, { parallel: 32 });
    return { slow, instant };
  },
  run: (users, params) =>
    measured(async () => {
      const latency = params.latency_ms ?? 1000;
      const rate = params.rate ?? 1000;
      const instant = await burst(users.instant, rate);
      const slow = await burst(users.slow, rate);
      const overhead = stats(slow.sent.shots.flatMap((s) => {
        const r = slow.replies.get(s.token);
        return r ? [r.at - s.wall - latency] : [];
      }));
      const slowDone = stats(slow.completion.map((t) => t - latency));
      const instantDone = stats(instant.completion);
      const ack = stats(slow.sent.shots.filter((s) => s.status === 200).map((s) => s.ack));
      const sent = slow.sent.shots.length + instant.sent.shots.length;
      const replied = slow.replies.size + instant.replies.size;
      return {
        metrics: {
          concurrency_ratio: Math.round((slowDone.p95 / instantDone.p95) * 1000) / 1000,
          completion_p95_ms: slowDone.p95,
          instant_completion_p95_ms: instantDone.p95,
          overhead_p50_ms: overhead.median,
          overhead_p95_ms: overhead.p95,
          overhead_p99_ms: overhead.p99,
          overhead_max_ms: overhead.max,
          overhead_p95_of_latency: Math.round((overhead.p95 / latency) * 1000) / 1000,
          achieved_rate: round1(slow.sent.achievedRate),
          send_span_ms: Math.round(slow.sent.spanS * 1000),
          sent,
          replied,
          missing_replies: sent - replied,
          ack_p95_ms: ack.p95,
        },
        figures: {
          completion: slowDone,
          instant_completion: instantDone,
          overhead,
          ack,
          statuses: statusCounts(slow.sent.shots),
          instant_statuses: statusCounts(instant.sent.shots),
        },
      };
    }),
};
