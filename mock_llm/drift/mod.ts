/**
 * `deno task drift`: with live keys (`TEST_OPENAI_KEY`, `TEST_ANTHROPIC_KEY`,
 * `TEST_GOOGLE_KEY`, optional `TEST_*_MODEL` and `TEST_*_BASE_URL`), sends the same requests
 * to each real provider and to the mock LLM and reports differences in response structure —
 * status, content type, field names and types, SSE event order — ignoring the text. The mock
 * runs in-process unless `ZAPA_LLM_URL` points at a running one.
 *
 * Errors (exit 1): the mock has a field or type the real API lacks, a different status,
 * content type or event order, or the real API could not be reached. Warnings: fields only the
 * real API sends (Zapa, tested against the mock, cannot depend on them). Without any key it
 * says what it needs and exits 0. The report is also written to `reports/drift.json`.
 */
import { createApp, createState } from "../app.ts";
import { type DriftCase, type DriftProvider, PROVIDERS } from "./requests.ts";
import {
  compareShapes,
  eventOrder,
  parseSse,
  type Shape,
  type ShapeDifference,
  shapeOf,
} from "./shape.ts";

export type Transport = (url: string, init: RequestInit) => Promise<Response>;

export interface Observed {
  status: number;
  content_type: string;
  shape: Shape;
  events: string[] | null;
  error: string | null;
}

export interface CaseReport {
  provider: DriftProvider;
  case: string;
  errors: string[];
  warnings: string[];
}

const TIMEOUT_MS = 30_000;

/** Calls one endpoint and reduces the answer to its structure. */
export async function observe(
  transport: Transport,
  request: { url: string; init: RequestInit },
): Promise<Observed> {
  let response: Response;
  try {
    response = await transport(request.url, {
      ...request.init,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return {
      status: 0,
      content_type: "",
      shape: new Map(),
      events: null,
      error: `could not reach ${new URL(request.url).origin}: ${describeError(error)}`,
    };
  }
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await response.text();
  const shape: Shape = new Map();
  let events: string[] | null = null;
  if (contentType === "text/event-stream") {
    const parsed = parseSse(text);
    events = eventOrder(parsed);
    for (const e of parsed) {
      try {
        shapeOf(JSON.parse(e.data), "$", shape);
      } catch {
        // `[DONE]` and other non-JSON data: covered by the event order
      }
    }
  } else {
    try {
      shapeOf(JSON.parse(text), "$", shape);
    } catch {
      shape.set("$", new Set());
    }
  }
  return { status: response.status, content_type: contentType, shape, events, error: null };
}

/** The error and its causes, e.g. "fetch failed ← dns error: …". */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(" ← ");
}

function describeShapeDiff(d: ShapeDifference): string {
  if (d.kind === "missing_in_mock") return `${d.path}: only the real API sends it (${d.real})`;
  if (d.kind === "extra_in_mock") return `${d.path}: only the mock sends it (${d.mock})`;
  return `${d.path}: real ${d.real.join("|")}, mock ${d.mock.join("|")}`;
}

/** What differs between the real and the mock answer to the same request. */
export function compareObserved(
  real: Observed,
  mock: Observed,
): Omit<CaseReport, "provider" | "case"> {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (real.error) return { errors: [real.error], warnings };
  if (mock.error) return { errors: [`mock: ${mock.error}`], warnings };
  if (real.status !== mock.status) errors.push(`status: real ${real.status}, mock ${mock.status}`);
  if (real.content_type !== mock.content_type) {
    errors.push(`content type: real ${real.content_type}, mock ${mock.content_type}`);
  }
  if (real.events && mock.events && real.events.join(" ") !== mock.events.join(" ")) {
    errors.push(
      `SSE event order:\n      real: ${real.events.join(" → ")}\n      mock: ${
        mock.events.join(" → ")
      }`,
    );
  }
  for (const d of compareShapes(real.shape, mock.shape)) {
    (d.kind === "missing_in_mock" ? warnings : errors).push(describeShapeDiff(d));
  }
  return { errors, warnings };
}

export interface DriftOptions {
  env: { get(name: string): string | undefined };
  /** The mock LLM: an HTTP origin, or null for an in-process instance. */
  mockOrigin: string | null;
  realTransport?: Transport;
}

/** Runs every case for every provider that has a key. */
export async function runDrift(options: DriftOptions): Promise<CaseReport[]> {
  const app = options.mockOrigin ? null : createApp(createState({ journalLimit: 100 }));
  const origin = options.mockOrigin ?? "http://mock-llm.invalid";
  const mockTransport: Transport = app
    ? (url, init) => Promise.resolve(app.fetch(new Request(url, init)))
    : (url, init) => fetch(url, init);
  const realTransport = options.realTransport ?? ((url, init) => fetch(url, init));
  const reports: CaseReport[] = [];
  for (
    const [provider, info] of Object.entries(PROVIDERS) as [
      DriftProvider,
      typeof PROVIDERS.openai,
    ][]
  ) {
    const key = options.env.get(info.keyVar)?.trim();
    if (!key) continue;
    const model = options.env.get(info.modelVar)?.trim() || info.defaultModel;
    const realBase = (options.env.get(info.baseVar)?.trim() || info.realBase).replace(/\/+$/, "");
    for (const c of info.cases) {
      reports.push(
        await runCase(provider, c, {
          real: c.build(realBase, c.badKey ? "invalid-drift-check-key" : key, model),
          mock: c.build(
            info.mockBase(origin),
            c.badKey ? "drift_mock-invalid" : "drift-key",
            model,
          ),
          realTransport,
          mockTransport,
        }),
      );
    }
  }
  return reports;
}

async function runCase(
  provider: DriftProvider,
  c: DriftCase,
  o: {
    real: { url: string; init: RequestInit };
    mock: { url: string; init: RequestInit };
    realTransport: Transport;
    mockTransport: Transport;
  },
): Promise<CaseReport> {
  const [real, mock] = await Promise.all([
    observe(o.realTransport, o.real),
    observe(o.mockTransport, o.mock),
  ]);
  return { provider, case: c.name, ...compareObserved(real, mock) };
}

/** The report as text, one block per provider and case. */
export function formatReport(reports: readonly CaseReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const verdict = r.errors[0]?.startsWith("could not reach")
      ? "UNREACHABLE"
      : r.errors.length > 0
      ? "DRIFT"
      : r.warnings.length > 0
      ? "ok (warnings)"
      : "ok";
    lines.push(`${r.provider} · ${r.case}: ${verdict}`);
    for (const e of r.errors) lines.push(`  ✗ ${e}`);
    for (const w of r.warnings) lines.push(`  · ${w}`);
  }
  return lines.join("\n");
}

export const NEEDS = [
  "deno task drift compares the mock LLM with the real providers; it needs at least one of:",
  ...Object.values(PROVIDERS).map((p) =>
    `  ${p.keyVar}   (optional ${p.modelVar}, default ${p.defaultModel}; ${p.baseVar}, default ${p.realBase})`
  ),
  "and network access to the provider. ZAPA_LLM_URL points it at a running mock instead of an",
  "in-process one. Each provider costs 4 small calls (≈ 100 tokens in, ≤ 32 out each) plus one",
  "rejected-key call.",
].join("\n");

async function main(): Promise<number> {
  const env = {
    get: (name: string) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
  };
  const live = Object.values(PROVIDERS).filter((p) => env.get(p.keyVar)?.trim());
  if (live.length === 0) {
    console.log(`no live keys set: nothing to compare.\n${NEEDS}`);
    return 0;
  }
  const mockOrigin = env.get("ZAPA_LLM_URL")?.replace(/\/+$/, "") || null;
  console.log(`comparing the mock LLM (${mockOrigin ?? "in-process"}) with the real providers …`);
  const reports = await runDrift({ env, mockOrigin });
  console.log(formatReport(reports));
  try {
    await Deno.mkdir("reports", { recursive: true });
    await Deno.writeTextFile("reports/drift.json", JSON.stringify(reports, null, 2));
  } catch {
    // no write permission: the printed report is enough
  }
  const drifted = reports.filter((r) => r.errors.length > 0).length;
  console.log(
    drifted === 0
      ? `no structural drift in ${reports.length} comparisons`
      : `${drifted} of ${reports.length} comparisons differ`,
  );
  return drifted === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
