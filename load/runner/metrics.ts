/**
 * Metric registry of the runner: k6's four metric types (counter, gauge, rate, trend), their
 * aggregates, tag-filtered sub-metrics (`http_req_duration{scenario:x}`) and the time series
 * the HTML report draws.
 */

export type MetricType = "counter" | "gauge" | "rate" | "trend";
export type Contains = "default" | "time" | "data";
export type Tags = Record<string, string>;

/** Width of one time-series bucket, in ms since the test started. */
export const BUCKET_MS = 1000;

/** A growable Float64Array: Trend sinks keep every sample, as k6 does. */
class Samples {
  values = new Float64Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = v;
  }
  view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted samples. */
export function percentile(sorted: ArrayLike<number>, pct: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0] as number;
  const i = (pct / 100) * (n - 1);
  const lo = Math.floor(i);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, n - 1)] as number;
  return a + (b - a) * (i - lo);
}

/** Aggregates of one metric (or sub-metric). */
export class Sink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  last = 0;
  nonZero = 0;
  readonly samples: Samples | undefined;
  #sorted: Float64Array | undefined;

  constructor(readonly type: MetricType) {
    if (type === "trend") this.samples = new Samples();
  }

  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.last = v;
    if (v !== 0) this.nonZero++;
    if (this.samples) {
      this.samples.push(v);
      this.#sorted = undefined;
    }
  }

  sorted(): Float64Array {
    if (!this.#sorted) this.#sorted = Float64Array.from(this.samples?.view() ?? []).sort();
    return this.#sorted;
  }

  /** One aggregate by its threshold/summary name: `avg`, `p(95)`, `rate`, `count`, `value`… */
  aggregate(name: string, durationMs: number): number {
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
    if (p) return percentile(this.sorted(), Number(p[1]));
    switch (name) {
      case "avg":
        return this.count ? this.sum / this.count : 0;
      case "min":
        return this.count ? this.min : 0;
      case "max":
        return this.count ? this.max : 0;
      case "med":
        return percentile(this.sorted(), 50);
      case "count":
        return this.type === "counter" ? this.sum : this.count;
      case "rate":
        if (this.type === "counter") return durationMs > 0 ? this.sum / (durationMs / 1000) : 0;
        return this.count ? this.nonZero / this.count : 0;
      case "value":
        return this.type === "rate" ? this.aggregate("rate", durationMs) : this.last;
      case "passes":
        return this.nonZero;
      case "fails":
        return this.count - this.nonZero;
      default:
        throw new Error(`unknown aggregation ${name}`);
    }
  }
}

/** Per-bucket samples of a metric, for charts: trends keep their values, others sums. */
export class Series {
  readonly buckets: { count: number; sum: number; values?: number[] }[] = [];
  constructor(readonly keepValues: boolean) {}
  add(atMs: number, v: number): void {
    const i = Math.max(0, Math.floor(atMs / BUCKET_MS));
    while (this.buckets.length <= i) {
      this.buckets.push(this.keepValues ? { count: 0, sum: 0, values: [] } : { count: 0, sum: 0 });
    }
    const b = this.buckets[i] as { count: number; sum: number; values?: number[] };
    b.count++;
    b.sum += v;
    b.values?.push(v);
  }
}

export interface Submetric {
  name: string;
  filter: [string, string][];
  sink: Sink;
  series: Series;
}

export class Metric {
  readonly sink: Sink;
  readonly submetrics: Submetric[] = [];
  readonly series: Series;
  constructor(readonly name: string, readonly type: MetricType, readonly contains: Contains) {
    this.sink = new Sink(type);
    this.series = new Series(type === "trend");
  }
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

/** Splits `name{tag:value,other:"quoted"}` into the metric name and its tag filter. */
export function parseMetricKey(key: string): { name: string; filter: [string, string][] } {
  const open = key.indexOf("{");
  if (open < 0) return { name: key.trim(), filter: [] };
  if (!key.trimEnd().endsWith("}")) throw new Error(`invalid sub-metric ${JSON.stringify(key)}`);
  const name = key.slice(0, open).trim();
  const inner = key.trimEnd().slice(open + 1, -1);
  const filter: [string, string][] = [];
  for (const part of inner.split(",")) {
    if (!part.trim()) continue;
    const colon = part.indexOf(":");
    if (colon < 0) throw new Error(`invalid sub-metric tag ${JSON.stringify(part)} in ${key}`);
    const tag = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim().replace(/^(["'`])(.*)\1$/, "$2");
    filter.push([tag, value]);
  }
  return { name, filter };
}

export class Registry {
  readonly metrics = new Map<string, Metric>();
  /** Clock of the run; samples are placed in time buckets relative to it. */
  now: () => number = () => 0;
  /** Called with every sample (the `--out json` writer listens here). */
  onSample?: (name: string, value: number, tags: Tags) => void;

  define(name: string, type: MetricType, contains: Contains = "default"): Metric {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) {
        throw new Error(`metric '${name}' already exists as a ${existing.type}, not a ${type}`);
      }
      return existing;
    }
    if (!NAME.test(name)) throw new Error(`invalid metric name '${name}'`);
    const metric = new Metric(name, type, contains);
    this.metrics.set(name, metric);
    return metric;
  }

  /** Registers (once) the sub-metric a threshold or the summary needs. */
  submetric(key: string): Submetric {
    const { name, filter } = parseMetricKey(key);
    const metric = this.metrics.get(name);
    if (!metric) throw new Error(`no metric name '${name}' found`);
    const canonical = `${name}{${filter.map(([k, v]) => `${k}:${v}`).join(",")}}`;
    let sub = metric.submetrics.find((s) => s.name === canonical);
    if (!sub) {
      sub = {
        name: canonical,
        filter,
        sink: new Sink(metric.type),
        series: new Series(metric.type === "trend"),
      };
      metric.submetrics.push(sub);
    }
    return sub;
  }

  add(name: string, value: number, tags: Tags): void {
    const metric = this.metrics.get(name);
    if (!metric) throw new Error(`unknown metric ${name}`);
    addSample(metric, value, tags, this.now());
    this.onSample?.(name, value, tags);
  }
}

export function addSample(metric: Metric, value: number, tags: Tags, atMs: number): void {
  metric.sink.add(value);
  metric.series.add(atMs, value);
  for (const sub of metric.submetrics) {
    if (sub.filter.every(([k, v]) => tags[k] === v)) {
      sub.sink.add(value);
      sub.series.add(atMs, value);
    }
  }
}

/** The built-in metrics the engine and the http module emit. */
export function defineBuiltins(registry: Registry): void {
  const defs: [string, MetricType, Contains][] = [
    ["checks", "rate", "default"],
    ["data_received", "counter", "data"],
    ["data_sent", "counter", "data"],
    ["dropped_iterations", "counter", "default"],
    ["group_duration", "trend", "time"],
    ["http_req_duration", "trend", "time"],
    ["http_req_failed", "rate", "default"],
    ["http_req_receiving", "trend", "time"],
    ["http_req_waiting", "trend", "time"],
    ["http_reqs", "counter", "default"],
    ["iteration_duration", "trend", "time"],
    ["iterations", "counter", "default"],
    ["vus", "gauge", "default"],
    ["vus_max", "gauge", "default"],
  ];
  for (const [name, type, contains] of defs) registry.define(name, type, contains);
  registry.submetric("http_req_duration{expected_response:true}");
}
