/**
 * The pipeline benchmarks of issue 5 ("Performance"): what each measures, its parameters, the
 * extra environment its stack boots with, and its budgets. Loaded by the runner (main thread);
 * the measuring code lives in one module per benchmark and runs in the worker.
 */

export interface Budget {
  /** A key of the run's `metrics`. */
  metric: string;
  op: "<=" | ">=";
  limit: number;
  unit: string;
}

export interface Scenario {
  name: string;
  title: string;
  /** Default parameters (numbers), overridable with `--<param>=<n>` on the command line. */
  params: Record<string, number>;
  /** Extra environment for the private entrypoint of this benchmark's stack. */
  privateEnv?: Record<string, string>;
  budgets: Budget[];
}

export const SCENARIOS: Scenario[] = [
  {
    name: "webhook_ack",
    title: "Webhook acknowledgement at a constant 200 msg/s (zapw payloads, unique ids)",
    params: { rate: 200, seconds: 30, warmup_s: 3, users: 100, runs: 2 },
    budgets: [
      { metric: "ack_p95_ms", op: "<=", limit: 10, unit: "ms" },
      { metric: "achieved_rate", op: ">=", limit: 196, unit: "msg/s" },
      { metric: "non_200", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "round_trip",
    title: "Inbound webhook → reply accepted by the bridge at a constant 100 msg/s",
    params: { rate: 100, seconds: 30, warmup_s: 3, users: 100, runs: 2 },
    budgets: [
      { metric: "round_trip_p95_ms", op: "<=", limit: 25, unit: "ms" },
      { metric: "achieved_rate", op: ">=", limit: 98, unit: "msg/s" },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "throughput",
    title: "Sustained replies/s (many users, mock LLM at 0 ms, offered above the target)",
    params: { rate: 600, seconds: 30, warmup_s: 5, users: 500, runs: 2 },
    budgets: [
      { metric: "replies_per_s", op: ">=", limit: 500, unit: "replies/s" },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
  {
    name: "concurrency",
    title: "1 000 users each waiting on a 1 s LLM reply (AGENT_CONCURRENCY=1000)",
    params: { users: 1000, rate: 1000, latency_ms: 1000, runs: 2 },
    privateEnv: { AGENT_CONCURRENCY: "1000" },
    budgets: [
      { metric: "overhead_p95_ms", op: "<=", limit: 200, unit: "ms" },
      { metric: "missing_replies", op: "<=", limit: 0, unit: "" },
    ],
  },
];

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

export function checkBudgets(budgets: readonly Budget[], metrics: Record<string, number>) {
  return budgets.map((b): BudgetCheck => {
    const value = metrics[b.metric];
    const ok = value !== undefined && Number.isFinite(value) &&
      (b.op === "<=" ? value <= b.limit : value >= b.limit);
    return { ...b, value: value ?? null, passed: ok };
  });
}
