/**
 * Pieces every report page shares: escaping (test names and messages are hostile input), the
 * page frame with its Content-Security-Policy (no external assets, one hashed inline script),
 * the filter/search script, and small inline SVG trend lines.
 */

export function escape(text: unknown): string {
  return String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

export function seconds(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} s` : `${value.toFixed(1)} s`;
}

export function time(iso: string | undefined): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC") : "";
}

/** Filters `.t` rows by status chip and search text; the page works without it too. */
const SCRIPT =
  `(()=>{const q=document.getElementById("q");const chips=[...document.querySelectorAll("[data-chip]")];
const rows=[...document.querySelectorAll(".t")];
function apply(){const on=chips.filter(c=>c.checked).map(c=>c.dataset.chip);const text=(q?q.value:"").toLowerCase();
for(const r of rows){const s=r.dataset.status;const f=r.dataset.flaky==="1";
const show=(on.includes(s)||(f&&on.includes("flaky")))&&(!text||r.dataset.text.includes(text));r.hidden=!show;}}
chips.forEach(c=>c.addEventListener("change",apply));if(q)q.addEventListener("input",apply);apply();})();`;

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}
const SCRIPT_HASH = await sha256(SCRIPT);

const STYLE =
  `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem}table{border-collapse:collapse;margin:.5rem 0 1rem;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #d6d6d6;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.passed,.pass{color:#176f2c}.failed,.fail{color:#b00020}.ignored,.skipped,.untested,.not-applicable{color:#6b6b6b}.blocked{color:#a35a00}
.badge{display:inline-block;min-width:4.5em;font-weight:600}.mark{background:#fff1c2;border-radius:3px;padding:0 .3em;font-size:.85em;margin-left:.4em}
.old{color:#8a5a00;font-size:.85em}.file{color:#666;font-size:.85em;margin-left:.5em}.dur{color:#666;font-size:.85em;float:right}
details.t{border-top:1px solid #eee;padding:.25rem 0}details.t>summary{cursor:pointer;overflow-wrap:anywhere}
details.t[data-status=failed]>summary{background:#fdecef}
pre{background:#f6f6f8;border:1px solid #e3e3e7;padding:.5rem;overflow:auto;max-height:28rem;white-space:pre-wrap;word-break:break-word}
pre.msg{background:#fff5f6;border-color:#f2c5cc}iframe{box-sizing:border-box;width:100%;height:24rem;border:1px solid #ccc;background:#fff}
.bar{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid #ddd}.bar label{margin-right:.8rem}
input[type=search]{width:20rem;max-width:100%}svg.spark{vertical-align:middle}.muted{color:#666}
.totals{font-size:1.05rem}.totals b{font-size:1.2rem}`;

/** A complete page: no external asset, scripts limited to the hashed filter script. */
export function page(title: string, body: string): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; ` +
    `script-src 'sha256-${SCRIPT_HASH}'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escape(csp)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head><body>
${body}
<script>${SCRIPT}</script>
</body></html>
`;
}

/** The status chips and search box the filter script reads. */
export function filterBar(counts: Record<string, number>): string {
  const chip = (status: string) =>
    `<label><input type="checkbox" data-chip="${status}" checked> ${status} (${
      counts[status] ?? 0
    })</label>`;
  return `<div class="bar">${
    ["failed", "flaky", "passed", "ignored"].map(chip).join("")
  }<input type="search" id="q" placeholder="search test names and files" aria-label="search"></div>`;
}

/** A small line of values (oldest first) with its figures in a tooltip; "" for fewer than 2. */
export function sparkline(
  values: readonly number[],
  options: { label: string; width?: number; height?: number; format?: (v: number) => string },
): string {
  if (values.length < 2) return "";
  const width = options.width ?? 120;
  const height = options.height ?? 26;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const x = (i: number) => (2 + (i * (width - 4)) / (values.length - 1)).toFixed(1);
  const y = (v: number) => (height - 3 - ((v - min) * (height - 6)) / span).toFixed(1);
  const points = values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
  const format = options.format ?? ((v: number) => String(Math.round(v * 100) / 100));
  const last = values.length - 1;
  return `<svg class="spark" role="img" aria-label="${escape(options.label)}" width="${width}" ` +
    `height="${height}" viewBox="0 0 ${width} ${height}"><title>${
      escape(`${options.label}: ${values.map(format).join(", ")}`)
    }</title><polyline fill="none" stroke="#3a6fd8" stroke-width="1.5" points="${points}"/>` +
    `<circle cx="${x(last)}" cy="${y(values[last]!)}" r="2.2" fill="#3a6fd8"/></svg>`;
}

/** Flattens JSON into `path → value` rows (arrays of scalars stay on one row). */
export function flatten(value: unknown, prefix = ""): [string, string][] {
  if (value === null || typeof value !== "object") return [[prefix || "value", String(value)]];
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return [[prefix, value.join(", ")]];
  }
  const rows: [string, string][] = [];
  for (const [key, child] of Object.entries(value)) {
    rows.push(...flatten(child, prefix ? `${prefix}.${key}` : key));
  }
  return rows;
}

export function figureTable(rows: [string, string][], limit = 200): string {
  const shown = rows.slice(0, limit);
  return `<table><tr><th>figure</th><th>value</th></tr>${
    shown.map(([k, v]) => `<tr><td>${escape(k)}</td><td class="n">${escape(v)}</td></tr>`).join("")
  }</table>${rows.length > limit ? `<p class="muted">… and ${rows.length - limit} more</p>` : ""}`;
}
