/**
 * The pipeline benchmarks of issue 5 ("Performance"): what each measures, its parameters, the
 * extra environment its stack boots with, and its budgets. Loaded by the runner (main thread);
 * the measuring code lives in one module per benchmark and runs in the worker.
 */
/**
 * Ratio budgets, from the medians of two whole `deno task bench` runs on a quiet 2-core box
 * (2026-12-03, 17:16–17:39 UTC, after the loop got its own bridge: README, "Performance"), with
 * room for the spread between runs, so that a budget is missed by a regression, not by the box.
 * Ack p95 4.1 and 5.5 × the loop's → ≤ 12; round-trip p95 13.5 and 14.1 × → ≤ 30 (the loop's
 * p95 is about 2 ms, so a millisecond of its tail moves the ratio most). Replies/s at saturation
 * 0.041 and 0.043 × the loop's with one private instance, 0.046 and 0.040 with two → ≥ 0.02 and
 * ≥ 0.018: a collapse to half misses them. (Before the loop had its own bridge the receipts of its
 * sends went to Zapa, which slowed the loop to about half its speed, and these ratios were twice
 * as high: 0.073–0.091.) The concurrency ratio (concurrency.ts: the slow-LLM burst's completion
 * p95 less the latency ÷ the same burst's with an instant LLM, same stack): medians 0.642 and 0.700
 * of nine runs each, single runs 0.46–0.85 → ≤ 1.5: on a box fast enough to drain a thousand
 * messages a second both bursts take about a second and the ratio nears 1, and 1.5 leaves that
 * room; AGENT_CONCURRENCY=100 (a pool the slow calls exhaust) gave 4.1–5.4.
 */
const ACK_P95_RATIO = 12;
const ROUND_TRIP_P95_RATIO = 30;
const THROUGHPUT_RATIO = 0.02;
const THROUGHPUT_RATIO_TWO_PRIVATE = 0.018;
const CONCURRENCY_RATIO = 1.5;

export interface Budget {
  /** A key of the run's `metrics`. */
  metric: string;
  op: "<=" | ">=";
  limit: number;
  unit: string;
  /**
   * What is judged over a benchmark's runs: the median (ratios, whose single windows scatter)
   * or, by default, the worst run (losses: one lost reply in any run is a loss).
   */
  aggregate?: "median" | "worst";
  /** Only for the run with this many private instances (`privateReplicas`). */
  privateInstances?: number;
}

/**
 * A figure of a Zapa run divided by the same figure of the run against the ceiling loop (or by
 * PostgreSQL's commit rate) measured right after it on the same box: `metric` = zapa[of] ÷
 * against[by].
 */
export interface Ratio {
  metric: string;
  of: string;
  against: "ceiling" | "pg";
  by: string;
}

export interface Scenario {
  name: string;
  title: string;
  /** Ratios to the ceilings; the scenario then also runs the ceiling loop and the PG probe. */
  ratios?: Ratio[];
  /** Default parameters (numbers), overridable with `--<param>=<n>` on the command line. */
  params: Record<string, number>;
  /** Extra environment for the private entrypoint of this benchmark's stack. */
  privateEnv?: Record<string, string>;
  /**
   * Private instance counts to run side by side (default [1]); with more than one, the stack
   * puts them behind the proxy and the report is `<name>_<n>_private`.
   */
  privateReplicas?: number[];
  budgets: Budget[];
}

/**
 * The runs of a benchmark that alternates Zapa and the ceiling loop in one schedule: 10 s of the
 * rate to each, a second at a time, after 3 s each of warm-up; five runs, after one unrecorded
 * (the loop's first ack p95 on a fresh stack was 15 ms, 2–4 after it).
 */
const IN_TURNS = { seconds: 10, warmup_s: 3, slice_ms: 1000, users: 100, runs: 5, warmup_runs: 1 };

// Budgets are ratios to ceilings measured in the same run (see README "Benchmarks"): an
// absolute time on a shared 2-core box says more about the box than about Zapa. The counts of
// lost or refused messages stay absolute: a loss is a loss on any box. Absolute figures are
// still measured and written to the report, dated, beside the ratios.
export const SCENARIOS: Scenario[] = [
  {
    name: "webhook_ack",
    title:
      "Webhook acknowledgement at 200 msg/s in 1 s turns with the ceiling loop (zapw payloads, unique ids)",
    params: { rate: 200, ...IN_TURNS },
    ratios: [
      { metric: "ack_p95_ratio", of: "ack_p95_ms", against: "ceiling", by: "ack_p95_ms" },
      { metric: "ack_p50_ratio", of: "ack_p50_ms", against: "ceiling", by: "ack_p50_ms" },
    ],
    budgets: [
      {
        metric: "ack_p95_ratio",
        op: "<=",
        limit: ACK_P95_RATIO,
        unit: "× ceiling",
        aggregate: "median",
      },
      { metric: "non_200", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "round_trip",
    title:
      "Inbound webhook → reply accepted by the bridge at 100 msg/s in 1 s turns with the ceiling loop",
    params: { rate: 100, ...IN_TURNS },
    ratios: [
      {
        metric: "round_trip_p95_ratio",
        of: "round_trip_p95_ms",
        against: "ceiling",
        by: "round_trip_p95_ms",
      },
      {
        metric: "round_trip_p50_ratio",
        of: "round_trip_p50_ms",
        against: "ceiling",
        by: "round_trip_p50_ms",
      },
    ],
    budgets: [
      {
        metric: "round_trip_p95_ratio",
        op: "<=",
        limit: ROUND_TRIP_P95_RATIO,
        unit: "× ceiling",
        aggregate: "median",
      },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "throughput",
    title: "Replies/s at saturation (200 users, one message each in flight, mock LLM at 0 ms)",
    // Five pairs of 12 s (the first 3 s left out): on this box one window scatters by ±15 %
    // and the box's speed drifts within minutes, so more, shorter pairs judged by their median.
    // 200 users saturate the loop (64 left it waiting on the sender's own round trips).
    // One unrecorded run first: the first run's loop is cold (3 200 replies/s, 3 700–4 100 after).
    params: { seconds: 12, warmup_s: 3, users: 200, runs: 5, warmup_runs: 1 },
    ratios: [
      { metric: "throughput_ratio", of: "replies_per_s", against: "ceiling", by: "replies_per_s" },
      {
        metric: "replies_per_pg_commit",
        of: "replies_per_s",
        against: "pg",
        by: "pg_commits_per_s",
      },
    ],
    // Contract §13: two instances on these 2 cores must lose no throughput and no reply.
    privateReplicas: [1, 2],
    budgets: [
      {
        metric: "throughput_ratio",
        op: ">=",
        limit: THROUGHPUT_RATIO,
        unit: "× ceiling",
        aggregate: "median",
        privateInstances: 1,
      },
      {
        metric: "throughput_ratio",
        op: ">=",
        limit: THROUGHPUT_RATIO_TWO_PRIVATE,
        unit: "× ceiling",
        aggregate: "median",
        privateInstances: 2,
      },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
      { metric: "duplicate_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "concurrency",
    title:
      "1 000 users each waiting on a 1 s LLM reply, against the same burst with an instant LLM (AGENT_CONCURRENCY=1000)",
    // Nine runs: single runs scatter 0.54–0.76, and the median of five moved 21 % between two
    // stacks (2026-12-03).
    params: { users: 1000, rate: 1000, latency_ms: 1000, runs: 9, warmup_runs: 3 },
    privateEnv: { AGENT_CONCURRENCY: "1000" },
    budgets: [
      {
        metric: "concurrency_ratio",
        op: "<=",
        limit: CONCURRENCY_RATIO,
        unit: "× instant-LLM burst",
        aggregate: "median",
      },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
];

/**
 * Three significant figures: a ratio of 0.0093 keeps its 0.00930 (rounded to three decimals it
 * was 0.009, and two runs 10 % apart read the same).
 */
export function significant(x: number, digits = 3): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}

/** A Zapa run's ratios to the ceiling run and the PG probe that followed it. */
export function ratioMetrics(
  ratios: readonly Ratio[],
  runs: { zapa: RunResult; ceiling?: RunResult; pg?: RunResult },
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of ratios) {
    const num = runs.zapa.metrics[r.of];
    const den = runs[r.against]?.metrics[r.by];
    if (num === undefined || den === undefined || !Number.isFinite(num) || !(den > 0)) continue;
    out[r.metric] = significant(num / den);
  }
  return out;
}

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** What a benchmark run hands back to the runner. */
export interface RunResult {
  /** Flat numbers the budgets refer to, plus any other headline figure. */
  metrics: Record<string, number>;
  /** Distributions and details (summaries, status counts, per-second series). */
  figures: Record<string, unknown>;
  cpu?: unknown;
  load_avg_before?: number[];
  load_avg_after?: number[];
}

export interface BudgetCheck extends Budget {
  value: number | null;
  passed: boolean;
}
