// Stats tab: totals, average per day, the AI provider, and a 30-day bar chart drawn as SVG
// with DOM APIs (createElementNS + textContent; no markup strings).
import { byId, clear, formatNumber, setText } from "./common.js";
import { providerLabel } from "./providers.js";

const SVG = "http://www.w3.org/2000/svg";
const M = { top: 12, right: 8, bottom: 26, left: 34 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const dayLabel = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  timeZone: "UTC",
});

function label(day) {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : dayLabel.format(date);
}

/** Draws the bars for `daily` ([{day, count}], oldest first) into the chart container. */
export function drawChart(container, daily) {
  // Drawn at the container's own pixel size, so labels stay legible at every width.
  const W = Math.max(240, Math.round(container.clientWidth) || 600);
  const H = Math.max(160, Math.round(container.clientHeight) || 200);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    "aria-hidden": "true",
    focusable: "false",
  });
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const max = Math.max(1, ...daily.map((d) => d.count));
  const slot = plotW / Math.max(1, daily.length);
  const barW = Math.max(2, slot * 0.7);

  root.append(
    svg("line", {
      class: "axis",
      x1: M.left,
      y1: M.top + plotH,
      x2: W - M.right,
      y2: M.top + plotH,
    }),
  );
  root.append(
    svg(
      "text",
      { class: "label", x: M.left - 6, y: M.top + 10, "text-anchor": "end" },
      String(max),
    ),
  );
  root.append(
    svg("text", { class: "label", x: M.left - 6, y: M.top + plotH, "text-anchor": "end" }, "0"),
  );

  daily.forEach((d, i) => {
    const h = d.count > 0 ? Math.max(3, (d.count / max) * plotH) : 2;
    const bar = svg("rect", {
      class: d.count > 0 ? "bar" : "bar zero",
      x: (M.left + i * slot + (slot - barW) / 2).toFixed(2),
      y: (M.top + plotH - h).toFixed(2),
      width: barW.toFixed(2),
      height: h.toFixed(2),
      rx: 2,
    });
    bar.append(
      svg("title", {}, `${label(d.day)}: ${d.count} ${d.count === 1 ? "message" : "messages"}`),
    );
    root.append(bar);
  });
  const ticks = daily.length ? [0, Math.floor((daily.length - 1) / 2), daily.length - 1] : [];
  for (const i of ticks) {
    const anchor = i === 0 ? "start" : i === daily.length - 1 ? "end" : "middle";
    const x = i === 0 ? M.left : i === daily.length - 1 ? W - M.right : M.left + (i + 0.5) * slot;
    root.append(
      svg("text", { class: "label", x, y: H - 8, "text-anchor": anchor }, label(daily[i].day)),
    );
  }
  clear(container);
  container.append(root);
}

export function createStatsView(api) {
  let loading = false;
  let lastDaily = null;
  let redraw;
  new ResizeObserver(() => {
    clearTimeout(redraw);
    redraw = setTimeout(() => {
      if (lastDaily) drawChart(byId("chart"), lastDaily);
    }, 100);
  }).observe(byId("chart"));

  async function load() {
    if (loading) return;
    loading = true;
    setText("stats-error", "");
    try {
      const [stats, config, providers] = await Promise.all([
        api.get("/api/v1/messages/stats"),
        api.get("/api/v1/llm-config").catch(() => null),
        api.get("/api/v1/llm-config/providers").catch(() => null),
      ]);
      setText("stat-total", formatNumber(stats.total_messages));
      setText("stat-sent", formatNumber(stats.messages_sent));
      setText("stat-received", formatNumber(stats.messages_received));
      setText("stat-average", formatNumber(stats.average_messages_per_day));
      const primary = config?.primary;
      const provider = byId("stat-provider");
      provider.classList.add("small-text");
      provider.textContent = primary
        ? `${providerLabel(providers, primary.provider)} · ${primary.model_settings?.model ?? ""}`
        : "Not set up";
      lastDaily = Array.isArray(stats.daily) ? stats.daily : [];
      drawChart(byId("chart"), lastDaily);
    } catch (error) {
      if (error.status !== 401) setText("stats-error", `Could not load stats: ${error.message}`);
    } finally {
      loading = false;
    }
  }

  return {
    show: load,
    hide() {},
    reset() {
      for (
        const id of ["stat-total", "stat-sent", "stat-received", "stat-average", "stat-provider"]
      ) {
        setText(id, "—");
      }
      lastDaily = null;
      clear(byId("chart"));
    },
  };
}
