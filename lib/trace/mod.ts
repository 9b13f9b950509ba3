/**
 * The message trace: where one WhatsApp message went across the stack — bridge, webhook, Zapa,
 * LLM, send, receipts, log lines — as ordered hops, rendered as text, JSON or an HTML timeline.
 *
 * ```ts
 * import { collectTrace, renderText, traceTargetOf } from "./lib/trace/mod.ts";
 * const trace = await collectTrace(traceTargetOf(target), "3EB0A1B2C3D4");
 * console.log(renderText(trace));
 * ```
 */
export { collectTrace, matchLogs, orderHops } from "./collect.ts";
export { renderHtml, renderJson, renderText } from "./render.ts";
export { traceTargetOf } from "./target.ts";
export type { Hop, SourceState, Trace, TraceOptions, TraceTarget } from "./types.ts";
