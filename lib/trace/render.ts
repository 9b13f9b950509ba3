/**
 * A trace for people: a plain-text timeline for the terminal, JSON for tools, and a
 * self-contained HTML fragment (inline style, no scripts, no external assets) with one bar per
 * hop, placed by its start and sized by its duration, for the test report and attachments.
 */
import type { Hop, Trace } from "./types.ts";

function offsets(trace: Trace): { origin: number; last: number } {
  const starts = trace.hops.map((h) => Date.parse(h.start));
  const ends = trace.hops.map((h) => Date.parse(h.end ?? h.start));
  const origin = starts.length ? Math.min(...starts) : 0;
  const last = ends.length ? Math.max(...ends, ...starts) : 0;
  return { origin, last };
}

function ms(value: number | null): string {
  if (value === null) return "open";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function sourceLine(trace: Trace): string {
  return trace.sources.map((s) =>
    `${s.name} ${s.ok ? "ok" : "NOT REACHABLE"}${s.note ? ` (${s.note})` : ""}`
  )
    .join("; ");
}

/** Columns: offset from the first hop, duration, service, hop, status, detail. */
export function renderText(trace: Trace): string {
  const { origin, last } = offsets(trace);
  const lines = [
    `trace of WhatsApp message ${trace.messageId} — ${trace.hops.length} hops over ${
      ms(last - origin)
    }, collected ${trace.collectedAt}`,
    `sources: ${sourceLine(trace)}`,
  ];
  if (trace.hops.length === 0) {
    lines.push("(no hop found: the id is unknown to every source that answered)");
    return lines.join("\n") + "\n";
  }
  const rows = trace.hops.map((h) => [
    `+${ms(Date.parse(h.start) - origin)}`,
    ms(h.durationMs),
    h.service,
    h.hop,
    h.status,
    h.detail,
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) =>
    Math.min(40, Math.max(...rows.map((r) => r[i]!.length)))
  );
  lines.push(`start: ${trace.hops[0]!.start}`);
  for (const r of rows) {
    const cells = r.slice(0, 5).map((c, i) =>
      i < 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)
    );
    lines.push(`  ${cells.join("  ")}  ${r[5]}`.trimEnd());
  }
  return lines.join("\n") + "\n";
}

export function renderJson(trace: Trace): string {
  return JSON.stringify(trace, null, 2) + "\n";
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function statusClass(h: Hop): string {
  const s = h.status.toLowerCase();
  if (/^(2\d\d|ok|received|stored|replied|sent|delivered|read|done|info)$/.test(s)) return "ok";
  if (/^(held|open|queued|pending|not answered|debug)$/.test(s) || h.end === null) return "open";
  return "bad";
}

const STYLE = `
.zapa-trace{font:13px/1.4 system-ui,sans-serif;color:#1b1f24;max-width:100%}
.zapa-trace h3{font-size:14px;margin:0 0 4px}
.zapa-trace .src{color:#57606a;margin:0 0 8px}
.zapa-trace .src .down{color:#b42318;font-weight:600}
.zapa-trace ol{list-style:none;margin:0;padding:0}
.zapa-trace li{display:grid;grid-template-columns:minmax(14em,22em) 1fr;gap:8px;align-items:center;
  padding:2px 0;border-top:1px solid #eaeef2}
.zapa-trace .label{overflow:hidden}
.zapa-trace .hop{font-weight:600}
.zapa-trace .meta{color:#57606a;font-size:12px}
.zapa-trace .lane{position:relative;height:18px;background:#f6f8fa;border-radius:3px}
.zapa-trace .bar{position:absolute;top:3px;height:12px;min-width:3px;border-radius:2px;background:#2da44e}
.zapa-trace .bar.open{background:#bf8700}
.zapa-trace .bar.bad{background:#cf222e}
.zapa-trace .detail{grid-column:1/-1;color:#57606a;font-size:12px;white-space:pre-wrap;
  overflow-wrap:anywhere;margin:0 0 2px}
`.trim();

/** An HTML fragment (one `<section>`), safe to embed: every value is escaped. */
export function renderHtml(trace: Trace): string {
  const { origin, last } = offsets(trace);
  const total = Math.max(1, last - origin);
  const items = trace.hops.map((h, i) => {
    const start = Date.parse(h.start) - origin;
    const left = (start / total) * 100;
    const width = ((h.durationMs ?? (last - Date.parse(h.start))) / total) * 100;
    const title = `${h.start} → ${h.end ?? "open"} (${ms(h.durationMs)})`;
    return `<li data-hop="${i + 1}" data-status="${escapeHtml(h.status)}">` +
      `<div class="label"><span class="hop">${i + 1}. ${escapeHtml(h.hop)}</span> ` +
      `<span class="meta">${escapeHtml(h.service)} · ${escapeHtml(h.status)} · +${
        escapeHtml(ms(start))
      } · ${escapeHtml(ms(h.durationMs))}</span></div>` +
      `<div class="lane" title="${escapeHtml(title)}"><div class="bar ${
        statusClass(h)
      }" style="left:${left.toFixed(2)}%;width:${
        Math.min(100 - left, width).toFixed(2)
      }%"></div></div>` +
      `<p class="detail">start ${escapeHtml(h.start)} · end ${escapeHtml(h.end ?? "open")}${
        h.detail ? ` · ${escapeHtml(h.detail)}` : ""
      }</p></li>`;
  });
  const sources = trace.sources.map((s) =>
    s.ok
      ? `${escapeHtml(s.name)} ok${s.note ? ` (${escapeHtml(s.note)})` : ""}`
      : `<span class="down">${escapeHtml(s.name)} not reachable</span> (${
        escapeHtml(s.note ?? "")
      })`
  ).join("; ");
  return `<section class="zapa-trace" data-message-id="${escapeHtml(trace.messageId)}">` +
    `<style>${STYLE}</style>` +
    `<h3>Trace of WhatsApp message ${escapeHtml(trace.messageId)}: ${trace.hops.length} hops over ${
      escapeHtml(ms(last - origin))
    }</h3>` +
    `<p class="src">Sources: ${sources}</p>` +
    (items.length
      ? `<ol>${items.join("")}</ol>`
      : `<p>No hop found: the id is unknown to every source that answered.</p>`) +
    `</section>\n`;
}
