/**
 * A failing test explains itself: `withEvidence` runs a test body and, when it throws, attaches
 * (lib/attachments.ts) the trace of every WhatsApp message the test used — text and HTML
 * timeline — and the tail of the involved services' logs, then rethrows. The fixtures note the
 * ids they create (`noteMessage`) into the running test's evidence, so suites need no edits.
 *
 * ```ts
 * await withEvidence(t, async (ev) => {
 *   const sent = await sendWhatsApp(phone, "hi"); // noted by the fixture
 *   ev.messageId(extraId);                        // or by hand
 * }, { target: () => traceTargetOf(target) });
 * ```
 */
import { attach, attachmentsDir } from "./attachments.ts";
import { type EvidenceStore, noteMessage, runWithEvidence } from "./evidence_notes.ts";

export { noteKeyFingerprint, noteMessage } from "./evidence_notes.ts";
import { collectTrace } from "./trace/collect.ts";
import { renderHtml, renderText } from "./trace/render.ts";
import type { TraceTarget } from "./trace/types.ts";

/** What a test used, gathered while it runs. */
export interface Evidence {
  messageId(id: string): void;
  keyFingerprint(fingerprint: string): void;
  /** A service whose log tail is attached besides the default ones. */
  service(name: string): void;
}

export interface EvidenceOptions {
  /** Where the stack is; called only on failure. Without it nothing is traced. */
  target?: () => TraceTarget;
  /** Services whose log tails are attached (default private, bridge, llm). */
  services?: string[];
  /** Traces attached at most (the first ids used); a drill may send hundreds. */
  maxTraces?: number;
  logLines?: number;
}

type Store = EvidenceStore;

/** Errors whose evidence is attached already (a wrapped test inside a wrapped test). */
const attached = new WeakSet<object>();

/** The full name as JUnit shows it: a step's names joined with " ... ". */
export function fullTestName(t: Deno.TestContext | string): string {
  if (typeof t === "string") return t;
  const names: string[] = [];
  for (let c: Deno.TestContext | undefined = t; c; c = c.parent) names.unshift(c.name);
  return names.join(" ... ");
}

/** Attaches the traces and log tails of what the test used. Never throws. */
export async function attachEvidence(
  test: string,
  store: Store,
  options: EvidenceOptions,
): Promise<void> {
  if (!options.target) return;
  let target: TraceTarget;
  try {
    target = options.target();
  } catch (error) {
    await attach(test, {
      name: "evidence",
      type: "text/plain",
      body: `no trace: ${(error as Error).message}`,
    });
    return;
  }
  const max = options.maxTraces ?? 5;
  const ids = store.ids.slice(0, max);
  // Traced together (each may wait on an unreachable source), attached one by one (meta.json).
  const traces = await Promise.all(
    ids.map((id) => collectTrace(target, id, { keyFingerprints: [...store.fingerprints] })),
  );
  for (const trace of traces) {
    const id = trace.messageId;
    await attach(test, { name: `trace of ${id}`, type: "text/plain", body: renderText(trace) });
    await attach(test, {
      name: `trace of ${id} (timeline)`,
      type: "text/html",
      body: renderHtml(trace),
    });
  }
  if (store.ids.length > max) {
    await attach(test, {
      name: "message ids not traced",
      type: "text/plain",
      body: `${store.ids.length - max} more message ids were used:\n${
        store.ids.slice(max).join("\n")
      }\n`,
    });
  }
  const services = [
    ...new Set([...(options.services ?? ["private", "bridge", "llm"]), ...store.services]),
  ];
  const lines = options.logLines ?? 60;
  for (const service of services) {
    let body: string;
    try {
      if (!target.logs) throw new Error("no service-control endpoint on this target");
      body = await target.logs(service, lines);
    } catch (error) {
      body = `(logs of ${service} unavailable: ${(error as Error).message})`;
    }
    await attach(test, { name: `${service} log tail`, type: "text/plain", body });
  }
}

/**
 * Runs `body`; on failure, and when someone collects attachments (ZAPA_ATTACHMENTS_DIR), attaches
 * the evidence, then rethrows the original error unchanged.
 */
export async function withEvidence<T>(
  t: Deno.TestContext | string,
  body: (ev: Evidence) => T | Promise<T>,
  options: EvidenceOptions = {},
): Promise<T> {
  const store: Store = { ids: [], fingerprints: new Set(), services: new Set() };
  const ev: Evidence = {
    messageId: (id) => runWithEvidence(store, () => noteMessage(id)),
    keyFingerprint: (fp) => store.fingerprints.add(fp),
    service: (name) => store.services.add(name),
  };
  try {
    return await runWithEvidence(store, () => body(ev));
  } catch (error) {
    const seen = typeof error === "object" && error !== null && attached.has(error);
    if (attachmentsDir() && !seen) {
      if (typeof error === "object" && error !== null) attached.add(error);
      // Evidence must never replace the test's own error.
      await attachEvidence(fullTestName(t), store, options).catch((e) =>
        console.error(`(no evidence attached: ${(e as Error).message})`)
      );
    }
    throw error;
  }
}
