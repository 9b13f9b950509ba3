/**
 * A message trace as the report's fixture suite attaches it: one WhatsApp message's hops, in
 * order, rendered by the real trace renderer (lib/trace) exactly as a failing suite test's
 * evidence is.
 */
import { renderHtml } from "../../trace/render.ts";
import type { Hop, Trace } from "../../trace/types.ts";

/** The hops of a message's journey, in order. */
export const HOPS = [
  "bridge: inbound message wamid.FIXTURE1",
  "bridge: webhook attempt 1 → 503",
  "bridge: webhook attempt 2 → 200",
  "private: intake stored message",
  "agent: LLM call (key fp 3f2a)",
  "bridge: send reply",
  "bridge: receipt delivered",
];

const ORIGIN = Date.parse("2026-12-02T12:00:00.000Z");

export function fixtureTrace(): Trace {
  const hops: Hop[] = HOPS.map((hop, i) => ({
    hop,
    service: hop.slice(0, hop.indexOf(":")),
    start: new Date(ORIGIN + i * 40).toISOString(),
    end: new Date(ORIGIN + i * 40 + 10 + i).toISOString(),
    durationMs: 10 + i,
    status: i === 1 ? "503" : "ok",
    detail: "",
  }));
  return {
    messageId: "wamid.FIXTURE1",
    collectedAt: new Date(ORIGIN + 1_000).toISOString(),
    hops,
    sources: [{ name: "bridge journal", ok: true }],
  };
}

/** The renderer's fragment, as lib/evidence.ts attaches it to a failing test. */
export function traceHtml(): string {
  return renderHtml(fixtureTrace());
}
