/** The `k6/metrics` module: custom Counter, Gauge, Rate and Trend backed by the run registry. */

import type { Contains, MetricType } from "../metrics.ts";
import { contextTags, run } from "../state.ts";

abstract class CustomMetric {
  readonly name: string;
  readonly #type: MetricType;
  constructor(name: string, type: MetricType, contains: Contains) {
    this.name = name;
    this.#type = type;
    run.registry.define(name, type, contains);
  }
  add(value: number | boolean, tags?: Record<string, string>): void {
    const v = typeof value === "boolean" ? (value ? 1 : 0) : Number(value);
    if (!Number.isFinite(v)) throw new Error(`${this.name}: metric values must be numbers`);
    if (this.#type === "rate") {
      run.registry.add(this.name, v !== 0 ? 1 : 0, { ...contextTags(), ...(tags ?? {}) });
    } else run.registry.add(this.name, v, { ...contextTags(), ...(tags ?? {}) });
  }
}

export class Counter extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, "counter", isTime ? "time" : "default");
  }
}
export class Gauge extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, "gauge", isTime ? "time" : "default");
  }
}
export class Rate extends CustomMetric {
  constructor(name: string) {
    super(name, "rate", "default");
  }
}
export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) {
    super(name, "trend", isTime ? "time" : "default");
  }
}

export default { Counter, Gauge, Rate, Trend };
