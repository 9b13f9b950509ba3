/**
 * A small Prometheus registry: counters, gauges and histograms rendered as text exposition
 * format. Metric names start with `zapa_`. Gauges may be computed on scrape.
 */

type Labels = Record<string, string | number>;

interface Series {
  labels: Labels;
  value: number;
}

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  series: Map<string, Series>;
  buckets?: number[];
  hist?: Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>;
  collect?: () => Promise<Array<{ labels?: Labels; value: number }>>;
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class MetricsRegistry {
  #metrics = new Map<string, Metric>();

  #get(name: string, help: string, type: Metric["type"]): Metric {
    let metric = this.#metrics.get(name);
    if (!metric) {
      metric = { name, help, type, series: new Map() };
      this.#metrics.set(name, metric);
    }
    return metric;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const metric = this.#get(name, help, "counter");
    const key = labelKey(labels);
    const series = metric.series.get(key) ?? { labels, value: 0 };
    series.value += by;
    metric.series.set(key, series);
  }

  set(name: string, help: string, labels: Labels, value: number): void {
    const metric = this.#get(name, help, "gauge");
    metric.series.set(labelKey(labels), { labels, value });
  }

  /** A gauge whose values are computed at scrape time. */
  gauge(name: string, help: string, collect: Metric["collect"]): void {
    const metric = this.#get(name, help, "gauge");
    metric.collect = collect;
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    const metric = this.#get(name, help, "histogram");
    metric.buckets ??= DEFAULT_BUCKETS;
    metric.hist ??= new Map();
    const key = labelKey(labels);
    const h = metric.hist.get(key) ??
      { labels, counts: metric.buckets.map(() => 0), sum: 0, count: 0 };
    metric.buckets.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
    metric.hist.set(key, h);
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const m of this.#metrics.values()) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
      if (m.collect) {
        try {
          for (const s of await m.collect()) {
            lines.push(`${m.name}${fmt(s.labels ?? {})} ${s.value}`);
          }
        } catch {
          // A dependency is down: the gauge is simply absent from this scrape.
        }
      }
      for (const s of m.series.values()) lines.push(`${m.name}${fmt(s.labels)} ${s.value}`);
      for (const h of m.hist?.values() ?? []) {
        m.buckets!.forEach((b, i) =>
          lines.push(`${m.name}_bucket${fmt({ ...h.labels, le: b })} ${h.counts[i]}`)
        );
        lines.push(`${m.name}_bucket${fmt({ ...h.labels, le: "+Inf" })} ${h.count}`);
        lines.push(`${m.name}_sum${fmt(h.labels)} ${h.sum}`);
        lines.push(`${m.name}_count${fmt(h.labels)} ${h.count}`);
      }
    }
    return lines.join("\n") + "\n";
  }
}

function labelKey(labels: Labels): string {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`)
    .join(",");
}

function fmt(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${
    entries.map(([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
      .join(",")
  }}`;
}
