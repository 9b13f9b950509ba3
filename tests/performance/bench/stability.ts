/**
 * One verdict per benchmark from several runs, and how far it moved since the last time.
 *
 * A single window on a shared 2-core box can be off by 2× (a timer tick, another process, the
 * first window after idle), so a benchmark runs several Zapa/ceiling pairs and judges a ratio by
 * the median of its pairs. A loss is judged on every run: one lost reply in any run is a loss.
 * The medians are kept in the report's history, and each run is compared with the previous
 * one: "two runs on a quiet box agree within 15 %" is then something the output shows.
 */
import { type Budget, type BudgetCheck, significant } from "./scenarios.ts";

/** How far two runs of the same benchmark may differ on a ratio and still agree. */
export const AGREEMENT = 0.15;

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).toSorted((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** (max − min) ÷ median: 0.1 means the runs lie within 10 % of their median. */
export function spread(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  const m = median(finite);
  if (finite.length < 2 || !(m > 0)) return 0;
  return round3((Math.max(...finite) - Math.min(...finite)) / m);
}

/**
 * The value a budget is judged on: the median of the runs for a ratio (`aggregate: "median"`),
 * otherwise the worst run (the largest for `<=`, the smallest for `>=`).
 */
export function judged(budget: Budget, values: readonly number[]): number | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  if (budget.aggregate === "median") return significant(median(finite));
  return budget.op === "<=" ? Math.max(...finite) : Math.min(...finite);
}

export interface Verdict extends BudgetCheck {
  /** The budget's metric in each run, in run order. */
  runs: (number | null)[];
  spread: number;
}

export function verdicts(
  budgets: readonly Budget[],
  runs: readonly { metrics: Record<string, number> }[],
): Verdict[] {
  return budgets.map((b) => {
    const values = runs.map((r) => r.metrics[b.metric] ?? null);
    const value = judged(b, values.filter((v): v is number => v !== null));
    const passed = value !== null && values.every((v) => v !== null) &&
      (b.op === "<=" ? value <= b.limit : value >= b.limit);
    return { ...b, value, passed, runs: values, spread: spread(values.filter((v) => v !== null)) };
  });
}

export interface Agreement {
  metric: string;
  now: number;
  last: number;
  /** |now − last| ÷ the smaller of the two. */
  change: number;
  agrees: boolean;
}

/** The ratios of this run against those of the previous one (when it measured them). */
export function agreement(
  now: Record<string, number>,
  last: Record<string, number> | undefined,
): Agreement[] {
  if (!last) return [];
  return Object.entries(now).flatMap(([metric, value]) => {
    const before = last[metric];
    if (before === undefined || !Number.isFinite(before) || !Number.isFinite(value)) return [];
    const base = Math.min(Math.abs(value), Math.abs(before));
    const change = base > 0 ? round3(Math.abs(value - before) / base) : value === before ? 0 : 1;
    return [{ metric, now: value, last: before, change, agrees: change <= AGREEMENT }];
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
