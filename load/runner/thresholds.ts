/**
 * k6 thresholds: parse `options.thresholds` (`"p(95)<500"`, `"rate<0.01"`, objects with
 * `abortOnFail`), check each expression against the metric type, and evaluate it.
 */

import type { MetricType, Registry, Sink } from "./metrics.ts";
import { parseDuration } from "./durations.ts";

export type Operator = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";

export interface Expression {
  aggregation: string;
  operator: Operator;
  value: number;
}

export interface Threshold {
  /** The metric or sub-metric key as written, e.g. `http_req_duration{kind:api}`. */
  metricKey: string;
  source: string;
  expression: Expression;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  sink?: Sink;
  metricType?: MetricType;
  ok?: boolean;
  /** The aggregated value at the last evaluation. */
  observed?: number;
}

const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

const ALLOWED: Record<MetricType, (agg: string) => boolean> = {
  counter: (a) => a === "count" || a === "rate",
  gauge: (a) => a === "value",
  rate: (a) => a === "rate",
  trend: (a) => ["avg", "min", "max", "med"].includes(a) || a.startsWith("p("),
};

/** Parses one threshold expression; throws with k6's wording on bad syntax. */
export function parseExpression(source: string): Expression {
  const m = EXPRESSION.exec(source);
  if (!m) throw new Error(`malformed threshold expression ${JSON.stringify(source)}`);
  const aggregation = (m[1] as string).replace(/\s+/g, "").toLowerCase();
  return { aggregation, operator: m[2] as Operator, value: Number(m[3]) };
}

type RawThreshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/** Reads `options.thresholds` into a flat list (metric keys are resolved later, by `bind`). */
export function parseThresholds(
  raw: Record<string, RawThreshold[] | RawThreshold> | undefined,
): Threshold[] {
  const out: Threshold[] = [];
  for (const [metricKey, list] of Object.entries(raw ?? {})) {
    for (const item of Array.isArray(list) ? list : [list]) {
      const def = typeof item === "string" ? { threshold: item } : item;
      if (!def || typeof def.threshold !== "string") {
        throw new Error(`invalid threshold on ${metricKey}: ${JSON.stringify(item)}`);
      }
      out.push({
        metricKey,
        source: def.threshold,
        expression: parseExpression(def.threshold),
        abortOnFail: Boolean(def.abortOnFail),
        delayAbortEvalMs: parseDuration(def.delayAbortEval, 0),
      });
    }
  }
  return out;
}

/** Attaches each threshold to its (sub-)metric sink; unknown metrics or aggregations throw. */
export function bindThresholds(thresholds: Threshold[], registry: Registry): void {
  for (const t of thresholds) {
    const base = t.metricKey.split("{", 1)[0]?.trim() ?? "";
    const metric = registry.metrics.get(base);
    if (!metric) {
      throw new Error(
        `invalid threshold defined on ${t.metricKey}; reason: no metric name "${base}" found`,
      );
    }
    if (!ALLOWED[metric.type](t.expression.aggregation)) {
      throw new Error(
        `invalid threshold defined on ${t.metricKey}; reason: aggregation method ` +
          `'${t.expression.aggregation}' is not valid for a ${metric.type} metric`,
      );
    }
    t.metricType = metric.type;
    t.sink = t.metricKey.includes("{") ? registry.submetric(t.metricKey).sink : metric.sink;
  }
}

export function compare(observed: number, op: Operator, limit: number): boolean {
  switch (op) {
    case "<":
      return observed < limit;
    case "<=":
      return observed <= limit;
    case ">":
      return observed > limit;
    case ">=":
      return observed >= limit;
    case "==":
    case "===":
      return observed === limit;
    case "!=":
      return observed !== limit;
  }
}

/** Evaluates every threshold; returns true when all pass. */
export function evaluateThresholds(thresholds: Threshold[], durationMs: number): boolean {
  let allOk = true;
  for (const t of thresholds) {
    if (!t.sink) throw new Error(`threshold ${t.source} on ${t.metricKey} is not bound`);
    t.observed = t.sink.aggregate(t.expression.aggregation, durationMs);
    t.ok = compare(t.observed, t.expression.operator, t.expression.value);
    allOk &&= t.ok;
  }
  return allOk;
}
