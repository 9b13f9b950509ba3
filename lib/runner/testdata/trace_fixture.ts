/**
 * A message trace as the report's fixture suite attaches it: an HTML timeline of one WhatsApp
 * message's hops, in order (the report renders whatever HTML a trace helper produces).
 */

/** The hops of a message's journey, in order, as the trace fixture shows them. */
export const HOPS = [
  "bridge: inbound message wamid.FIXTURE1",
  "bridge: webhook attempt 1 → 503",
  "bridge: webhook attempt 2 → 200",
  "private: intake stored message",
  "agent: LLM call (key fp 3f2a)",
  "bridge: send reply",
  "bridge: receipt delivered",
];

export function traceHtml(): string {
  const rows = HOPS.map((hop, i) =>
    `<li class="hop" data-hop="${i + 1}"><span>${hop}</span> <small>+${i * 40} ms, ${
      10 + i
    } ms</small></li>`
  ).join("");
  return `<!doctype html><html><head><style>li.hop{margin:.2rem 0}</style></head><body>` +
    `<h1>Trace of wamid.FIXTURE1</h1><ol class="hops">${rows}</ol></body></html>`;
}
