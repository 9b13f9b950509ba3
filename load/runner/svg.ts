/**
 * Minimal inline-SVG charts for the HTML report (no scripts, no external assets): a line
 * chart with axes and a legend, and a bar histogram.
 */

export interface LineSeries {
  name: string;
  color: string;
  points: [number, number][];
  /** Draw as bars (e.g. requests per second) instead of a line. */
  bars?: boolean;
  /** Plot against the right-hand axis. */
  right?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  yRightLabel?: string;
  width?: number;
  height?: number;
  /** Right end of the x axis (e.g. the run's length), so charts of one run line up. */
  xMax?: number;
  formatY?: (v: number) => string;
  formatYRight?: (v: number) => string;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 0, then 1-2-5 steps: round tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.5; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)));
  return ticks;
}

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="11"';

export function lineChart(series: LineSeries[], o: ChartOptions): string {
  const W = o.width ?? 860;
  const H = o.height ?? 300;
  const m = { l: 64, r: o.yRightLabel ? 64 : 20, t: 34, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = series.flatMap((s) => s.points);
  const xMax = o.xMax ?? Math.max(1, ...all.map((p) => p[0]));
  const left = niceTicks(
    Math.max(0, ...series.filter((s) => !s.right).flatMap((s) => s.points.map((p) => p[1]))),
  );
  const right = niceTicks(
    Math.max(0, ...series.filter((s) => s.right).flatMap((s) => s.points.map((p) => p[1]))),
  );
  const lMax = left.at(-1) ?? 1;
  const rMax = right.at(-1) ?? 1;
  const x = (v: number) => m.l + (v / xMax) * pw;
  const y = (v: number, r?: boolean) => m.t + ph - (v / (r ? rMax : lMax)) * ph;
  const fy = o.formatY ?? String;
  const fr = o.formatYRight ?? String;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${
      escapeXml(o.title)
    }" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="18" font-size="13" font-weight="600" fill="#1f2937">${
      escapeXml(o.title)
    }</text>`,
  ];
  for (const t of left) {
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${y(t).toFixed(1)}" y2="${
        y(t).toFixed(1)
      }" stroke="#e5e7eb"/>`,
      `<text x="${m.l - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#6b7280">${
        escapeXml(fy(t))
      }</text>`,
    );
  }
  if (o.yRightLabel) {
    for (const t of right) {
      parts.push(
        `<text x="${m.l + pw + 6}" y="${(y(t, true) + 4).toFixed(1)}" fill="#6b7280">${
          escapeXml(fr(t))
        }</text>`,
      );
    }
  }
  for (const t of niceTicks(xMax, 8)) {
    if (t > xMax) continue;
    parts.push(
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${m.t + ph}" y2="${
        m.t + ph + 4
      }" stroke="#9ca3af"/>`,
      `<text x="${x(t).toFixed(1)}" y="${
        m.t + ph + 16
      }" text-anchor="middle" fill="#6b7280">${t}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#9ca3af"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" fill="#374151">${
      escapeXml(o.xLabel)
    }</text>`,
    `<text transform="translate(14 ${
      m.t + ph / 2
    }) rotate(-90)" text-anchor="middle" fill="#374151">${escapeXml(o.yLabel)}</text>`,
  );
  if (o.yRightLabel) {
    parts.push(
      `<text transform="translate(${W - 10} ${
        m.t + ph / 2
      }) rotate(90)" text-anchor="middle" fill="#374151">${escapeXml(o.yRightLabel)}</text>`,
    );
  }
  const barW = Math.max(1, (pw / Math.max(1, ...series.map((s) => s.points.length))) * 0.8);
  for (const s of series) {
    if (s.bars) {
      for (const [px, py] of s.points) {
        const top = y(py, s.right);
        parts.push(
          `<rect x="${(x(px) - barW / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${
            barW.toFixed(1)
          }" height="${(m.t + ph - top).toFixed(1)}" fill="${s.color}" opacity="0.35"/>`,
        );
      }
    } else if (s.points.length) {
      const d = s.points.map(([px, py], i) =>
        `${i ? "L" : "M"}${x(px).toFixed(1)},${y(py, s.right).toFixed(1)}`
      ).join("");
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8" stroke-linejoin="round"/>`,
      );
      // A one-point line draws nothing: a short run (a single time bucket) gets a dot instead.
      if (s.points.length === 1) {
        const [px, py] = s.points[0]!;
        parts.push(
          `<circle cx="${x(px).toFixed(1)}" cy="${
            y(py, s.right).toFixed(1)
          }" r="3.5" fill="${s.color}"/>`,
        );
      }
    }
  }
  let lx = m.l + pw;
  for (const s of [...series].reverse()) {
    const label = escapeXml(s.name);
    lx -= label.length * 6.2 + 26;
    parts.push(
      `<rect x="${lx.toFixed(1)}" y="9" width="12" height="${s.bars ? 10 : 3}" fill="${s.color}" ${
        s.bars ? 'opacity="0.35"' : ""
      } transform="translate(0 ${s.bars ? 0 : 4})"/>`,
      `<text x="${(lx + 16).toFixed(1)}" y="18" fill="#374151">${label}</text>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Log-spaced bins between the smallest and largest sample (linear when the range is narrow). */
export function histogramBins(values: ArrayLike<number>, bins = 30): HistogramBin[] {
  if (values.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi <= lo) return [{ from: lo, to: hi, count: values.length }];
  const useLog = lo > 0 && hi / lo > 20;
  const edge = (i: number) => useLog ? lo * (hi / lo) ** (i / bins) : lo + ((hi - lo) * i) / bins;
  const out = Array.from(
    { length: bins },
    (_, i) => ({ from: edge(i), to: edge(i + 1), count: 0 }),
  );
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const f = useLog ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo);
    (out[Math.min(bins - 1, Math.max(0, Math.floor(f * bins)))] as HistogramBin).count++;
  }
  return out;
}

export function histogram(
  bins: HistogramBin[],
  o: ChartOptions & { color?: string; markers?: [string, number][] },
): string {
  const W = o.width ?? 860;
  const H = o.height ?? 260;
  const m = { l: 64, r: 20, t: 34, b: 56 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const ticks = niceTicks(Math.max(0, ...bins.map((b) => b.count)));
  const yMax = ticks.at(-1) ?? 1;
  const bw = pw / Math.max(1, bins.length);
  const fx = o.formatY ?? String;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${
      escapeXml(o.title)
    }" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="18" font-size="13" font-weight="600" fill="#1f2937">${
      escapeXml(o.title)
    }</text>`,
  ];
  for (const t of ticks) {
    const ty = m.t + ph - (t / yMax) * ph;
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${ty.toFixed(1)}" y2="${
        ty.toFixed(1)
      }" stroke="#e5e7eb"/>`,
      `<text x="${m.l - 6}" y="${
        (ty + 4).toFixed(1)
      }" text-anchor="end" fill="#6b7280">${t}</text>`,
    );
  }
  bins.forEach((b, i) => {
    const h = (b.count / yMax) * ph;
    parts.push(
      `<rect x="${(m.l + i * bw + 1).toFixed(1)}" y="${(m.t + ph - h).toFixed(1)}" width="${
        Math.max(1, bw - 2).toFixed(1)
      }" height="${h.toFixed(1)}" fill="${o.color ?? "#2563eb"}"><title>${
        escapeXml(`${fx(b.from)} – ${fx(b.to)}: ${b.count}`)
      }</title></rect>`,
    );
    if (i % Math.ceil(bins.length / 8) === 0) {
      parts.push(
        `<text x="${(m.l + i * bw).toFixed(1)}" y="${
          m.t + ph + 16
        }" fill="#6b7280" text-anchor="start">${escapeXml(fx(b.from))}</text>`,
      );
    }
  });
  const lo = bins[0]?.from ?? 0;
  const hi = bins.at(-1)?.to ?? 1;
  const logScale = lo > 0 && hi / lo > 20;
  for (const [k, [label, v]] of (o.markers ?? []).entries()) {
    if (v < lo || v > hi) continue;
    const f = logScale ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / Math.max(1e-9, hi - lo);
    const mx = m.l + f * pw;
    parts.push(
      `<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${m.t}" y2="${
        m.t + ph
      }" stroke="#dc2626" stroke-dasharray="4 3"/>`,
      `<text x="${(mx + 3).toFixed(1)}" y="${m.t + 10 + 12 * k}" fill="#dc2626">${
        escapeXml(label)
      }</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#9ca3af"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" fill="#374151">${
      escapeXml(o.xLabel)
    }</text>`,
    `<text transform="translate(14 ${
      m.t + ph / 2
    }) rotate(-90)" text-anchor="middle" fill="#374151">${escapeXml(o.yLabel)}</text>`,
    "</svg>",
  );
  return parts.join("");
}
