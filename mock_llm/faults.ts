/**
 * Fault injection for the mock LLM: directives read from the API key (`u7_mock-fail-429-times-2`),
 * global faults set through `/__mock/faults`, and per-key call counters for `-times-N`.
 *
 * Key directives isolate one test user; global faults are for whole-provider drills. When both
 * apply, the key's directives win field by field.
 */

/** A fault plan, from a key or from the global settings (same field names as `/__mock/faults`). */
export interface FaultPlan {
  status?: number;
  times?: number;
  latency_ms?: number;
  hang?: boolean;
  cut_after?: number;
  bad_json?: boolean;
  invalid?: boolean;
  /** Key only (`mock-tool-loop`): ask for `search_messages` whenever it is offered. */
  tool_loop?: boolean;
}

/** Global faults: a plan plus optional filters. */
export interface GlobalFaults extends FaultPlan {
  provider?: string;
  model?: string;
}

/** What happens to one call once counters are applied. */
export interface FaultDecision {
  status?: number;
  latency_ms?: number;
  hang?: boolean;
  cut_after?: number;
  bad_json?: boolean;
  /** Journal label, e.g. `mock-fail-429-times-2,mock-latency-50`, or null when nothing applies. */
  label: string | null;
}

const DIRECTIVES: ReadonlyArray<[RegExp, (m: RegExpExecArray, plan: FaultPlan) => void]> = [
  [/^mock-fail-(\d{3})-times-(\d+)$/, (m, p) => {
    p.status = Number(m[1]);
    p.times = Number(m[2]);
  }],
  [/^mock-fail-(\d{3})$/, (m, p) => {
    p.status = Number(m[1]);
  }],
  [/^mock-latency-(\d+)$/, (m, p) => {
    p.latency_ms = Number(m[1]);
  }],
  [/^mock-hang$/, (_m, p) => {
    p.hang = true;
  }],
  [/^mock-cut-(\d+)$/, (m, p) => {
    p.cut_after = Number(m[1]);
  }],
  [/^mock-bad-json$/, (_m, p) => {
    p.bad_json = true;
  }],
  [/^mock-tool-loop$/, (_m, p) => {
    p.tool_loop = true;
  }],
];

/** Parses the `_`-separated directives in an API key; unknown parts are ignored. */
export function parseKeyDirectives(key: string): FaultPlan {
  const plan: FaultPlan = {};
  if (!key.includes("mock-")) return plan;
  if (key.includes("mock-invalid")) plan.invalid = true;
  for (const part of key.split("_")) {
    for (const [re, apply] of DIRECTIVES) {
      const m = re.exec(part);
      if (m) {
        apply(m, plan);
        break;
      }
    }
  }
  if (plan.status !== undefined && (plan.status < 400 || plan.status > 599)) delete plan.status;
  return plan;
}

/** Validates a `/__mock/faults` body; returns an error message or the faults. */
export function parseGlobalFaults(body: unknown): GlobalFaults | string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "body must be a JSON object";
  const input = body as Record<string, unknown>;
  const out: GlobalFaults = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === null || value === undefined) continue;
    switch (field) {
      case "provider":
      case "model":
        if (typeof value !== "string") return `${field} must be a string`;
        out[field] = field === "provider" ? normaliseProvider(value) : value;
        break;
      case "status":
        if (!isInt(value) || value < 400 || value > 599) return "status must be 400–599";
        out.status = value;
        break;
      case "times":
      case "latency_ms":
      case "cut_after":
        if (!isInt(value) || value < 0) return `${field} must be a non-negative integer`;
        out[field] = value;
        break;
      case "hang":
      case "bad_json":
        if (typeof value !== "boolean") return `${field} must be a boolean`;
        out[field] = value;
        break;
      default:
        return `unknown field ${field}`;
    }
  }
  return out;
}

/** Journal and filter name for a provider; `gemini` is accepted for `google`. */
export function normaliseProvider(name: string): string {
  return name === "gemini" ? "google" : name;
}

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** Holds global faults and the per-key / global `times` counters. */
export class FaultBook {
  #global: GlobalFaults = {};
  #globalCalls = 0;
  #keyCalls = new Map<string, number>();

  get global(): GlobalFaults {
    return { ...this.#global };
  }

  /** Replaces the global faults (an empty object clears them) and restarts their counter. */
  setGlobal(faults: GlobalFaults): void {
    this.#global = { ...faults };
    this.#globalCalls = 0;
  }

  reset(): void {
    this.setGlobal({});
    this.#keyCalls.clear();
  }

  /** Merges key directives over matching global faults and counts this call. */
  decide(
    call: { provider: string; model: string; fingerprint: string | null },
    keyPlan: FaultPlan,
  ): FaultDecision {
    const labels: string[] = [];
    const decision: FaultDecision = { label: null };
    const g = this.#global;
    const globalApplies = hasPlan(g) && (!g.provider || g.provider === call.provider) &&
      (!g.model || g.model === call.model);

    if (keyPlan.status !== undefined) {
      const n = call.fingerprint === null ? 1 : (this.#keyCalls.get(call.fingerprint) ?? 0) + 1;
      if (call.fingerprint !== null) this.#keyCalls.set(call.fingerprint, n);
      if (keyPlan.times === undefined || n <= keyPlan.times) {
        decision.status = keyPlan.status;
        labels.push(
          `mock-fail-${keyPlan.status}${
            keyPlan.times === undefined ? "" : `-times-${keyPlan.times}`
          }`,
        );
      }
    } else if (globalApplies && g.status !== undefined) {
      this.#globalCalls++;
      if (g.times === undefined || this.#globalCalls <= g.times) {
        decision.status = g.status;
        labels.push(`global-fail-${g.status}${g.times === undefined ? "" : `-times-${g.times}`}`);
      }
    }
    const pick = <K extends "latency_ms" | "hang" | "cut_after" | "bad_json">(field: K) =>
      keyPlan[field] !== undefined ? keyPlan[field] : globalApplies ? g[field] : undefined;
    const latency = pick("latency_ms");
    if (latency) {
      decision.latency_ms = latency;
      labels.push(`mock-latency-${latency}`);
    }
    if (pick("hang")) {
      decision.hang = true;
      labels.push("mock-hang");
    }
    const cut = pick("cut_after");
    if (cut !== undefined) {
      decision.cut_after = cut;
      labels.push(`mock-cut-${cut}`);
    }
    if (pick("bad_json")) {
      decision.bad_json = true;
      labels.push("mock-bad-json");
    }
    decision.label = labels.length > 0 ? labels.join(",") : null;
    return decision;
  }
}

function hasPlan(g: GlobalFaults): boolean {
  return g.status !== undefined || g.latency_ms !== undefined || g.hang !== undefined ||
    g.cut_after !== undefined || g.bad_json !== undefined;
}
