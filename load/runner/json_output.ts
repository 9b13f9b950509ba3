/**
 * `--out json=<file>`: every sample as one line, in k6's JSON output format — a `Metric`
 * line the first time a metric is seen, then one `Point` line per sample — so the raw data of
 * several runners can be merged (`deno task load:merge`) exactly as k6's own files can.
 * Lines are buffered and appended about once a second, so a long run's memory stays flat.
 */

import type { Registry, Tags } from "./metrics.ts";
import type { Threshold } from "./thresholds.ts";

export interface MetricLine {
  type: "Metric";
  metric: string;
  data: {
    name: string;
    type: string;
    contains: string;
    thresholds: string[];
    submetrics: { name: string; suffix: string; tags: Record<string, string> }[] | null;
  };
}

export interface PointLine {
  type: "Point";
  metric: string;
  data: { time: string; value: number; tags: Tags | null };
}

export class JsonOutput {
  readonly #lines: string[] = [];
  readonly #seen = new Set<string>();
  readonly #timer: ReturnType<typeof setInterval>;
  #pending: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly registry: Registry,
    readonly thresholds: Threshold[],
  ) {
    this.#timer = setInterval(() => void this.#flush(), 1000);
  }

  /** Creates (truncates) the file and starts listening to the registry's samples. */
  static async open(path: string, registry: Registry, thresholds: Threshold[]) {
    const dir = path.split("/").slice(0, -1).join("/");
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(path, "");
    const out = new JsonOutput(path, registry, thresholds);
    registry.onSample = (name, value, tags) => out.sample(name, value, tags);
    return out;
  }

  sample(name: string, value: number, tags: Tags): void {
    if (!this.#seen.has(name)) {
      this.#seen.add(name);
      this.#lines.push(JSON.stringify(this.#metricLine(name)));
    }
    const line: PointLine = {
      type: "Point",
      metric: name,
      data: {
        time: new Date(performance.timeOrigin + performance.now()).toISOString(),
        value,
        tags: Object.keys(tags).length ? tags : null,
      },
    };
    this.#lines.push(JSON.stringify(line));
  }

  #metricLine(name: string): MetricLine {
    const metric = this.registry.metrics.get(name);
    const subs = metric?.submetrics ?? [];
    return {
      type: "Metric",
      metric: name,
      data: {
        name,
        type: metric?.type ?? "counter",
        contains: metric?.contains ?? "default",
        thresholds: this.thresholds.filter((t) => t.metricKey.trim() === name).map((t) => t.source),
        submetrics: subs.length
          ? subs.map((s) => ({
            name: s.name,
            suffix: s.name.slice(name.length + 1, -1),
            tags: Object.fromEntries(s.filter),
          }))
          : null,
      },
    };
  }

  #flush(): Promise<void> {
    if (this.#lines.length === 0) return this.#pending;
    const chunk = this.#lines.splice(0).join("\n") + "\n";
    this.#pending = this.#pending.then(() =>
      Deno.writeTextFile(this.path, chunk, { append: true })
    );
    return this.#pending;
  }

  /** Writes what is left and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.registry.onSample = undefined;
    await this.#flush();
  }
}
