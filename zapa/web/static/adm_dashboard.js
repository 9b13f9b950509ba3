// Dashboard view: the WhatsApp Bridge, Message Queue, Database and Redis cards (status
// colour + figures) and the activity stats, polled every 5 s.
import { byId, clear, el, formatNumber, poll, setText } from "./common.js";

const POLL_MS = 5000;

function figures(id, pairs) {
  const dl = byId(`card-${id}-figures`);
  clear(dl);
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(el("dt", { text: label }), el("dd", { text: value }));
  }
}

function card(id, state, label, pairs) {
  byId(`card-${id}`).dataset.status = state;
  const badge = byId(`card-${id}-status`);
  badge.dataset.status = state;
  badge.textContent = label;
  figures(id, pairs);
}

const ms = (check) => (typeof check?.latency_ms === "number" ? `${check.latency_ms} ms` : null);

function sessionState(session) {
  if (!session) return null;
  return typeof session === "string" ? session : session.status ?? null;
}

function renderHealth(health, queue) {
  const overall = byId("overall");
  overall.dataset.status = health.status;
  overall.textContent =
    { healthy: "All systems healthy", degraded: "Degraded", unhealthy: "Unhealthy" }[
      health.status
    ] ?? health.status;

  for (const id of ["database", "redis"]) {
    const check = health.checks?.[id];
    const up = check?.status === "up";
    card(id, up ? "up" : "down", up ? "Up" : "Down", [["Latency", ms(check)], [
      "Error",
      check?.error,
    ]]);
  }

  const bridge = health.checks?.bridge;
  const bridgeSession = sessionState(bridge?.session);
  const bridgeDown = bridge?.status === "down" ||
    Boolean(bridgeSession && bridgeSession !== "connected");
  if (!bridge) card("bridge", "unknown", "Not monitored", []);
  else {
    const session = sessionState(bridge.session);
    const state = bridge.status !== "up"
      ? "down"
      : session && session !== "connected"
      ? "degraded"
      : "up";
    const label = state === "down"
      ? "Down"
      : state === "degraded"
      ? "Session offline"
      : "Connected";
    card("bridge", state, label, [
      ["Session", session ?? "unknown"],
      ["Phone", bridge.phone_number ?? bridge.session?.phone_number],
      ["Latency", ms(bridge)],
      ["Error", bridge.error],
    ]);
  }

  const q = health.checks?.queue;
  if (!q && !queue) card("queue", "unknown", "Not monitored", []);
  else {
    const counts = queue ?? q;
    const failed = Number(counts?.failed ?? 0);
    const queued = Number(counts?.queued ?? 0);
    const age = q?.oldest_queued_age_s;
    // Replies wait for the bridge: with it down, anything queued is stuck, not flowing.
    const stalled = bridgeDown && queued > 0;
    const state = q && q.status !== "up"
      ? "down"
      : failed > 0 || age > 60 || stalled
      ? "degraded"
      : "up";
    const label = state === "down"
      ? "Down"
      : stalled
      ? "Stalled"
      : state === "degraded"
      ? "Needs attention"
      : "Flowing";
    card("queue", state, label, [
      [
        "Why",
        stalled
          ? `the WhatsApp bridge is down; ${formatNumber(queued)} waiting for it`
          : failed > 0
          ? "some messages failed for good: see Queue"
          : null,
      ],
      ["Queued", formatNumber(counts?.queued)],
      ["Processing", formatNumber(counts?.processing)],
      ["Failed", formatNumber(counts?.failed)],
      ["Oldest queued", typeof age === "number" ? `${Math.round(age)} s` : null],
      ["Error", q?.error],
    ]);
  }
}

/** `unknown` in llm_provider_usage: replies no provider wrote (set-up or outage answers). */
const PROVIDER_NAMES = { unknown: "no AI (set-up/outage replies)" };

function renderStats(stats) {
  setText("s-total-users", formatNumber(stats.total_users));
  setText("s-active-users", formatNumber(stats.active_users));
  setText("s-total-messages", formatNumber(stats.total_messages));
  setText("s-messages-today", formatNumber(stats.messages_today));
  setText(
    "s-response",
    typeof stats.average_response_time_ms !== "number"
      ? "—"
      : stats.average_response_time_ms < 1000
      ? `${Math.round(stats.average_response_time_ms)} ms`
      : `${(stats.average_response_time_ms / 1000).toFixed(2)} s`,
  );
  const usage = Object.entries(stats.llm_provider_usage ?? {}).filter(([, n]) => n > 0);
  const providers = byId("s-providers");
  providers.classList.add("small-text");
  providers.textContent = usage.length
    ? usage.map(([p, n]) => `${PROVIDER_NAMES[p] ?? p} ${n}`).join(" · ")
    : "No replies yet";
  providers.title = "Replies in the last 24 h by the AI provider that wrote them. " +
    "“no AI” counts the fixed answers sent without one: not set up yet, or every provider failed.";
}

export function createDashboardView(api) {
  let stop = null;

  async function refresh() {
    const [health, stats, queue] = await Promise.allSettled([
      api.get("/api/v1/admin/system/health"),
      api.get("/api/v1/admin/system/stats"),
      api.get("/api/v1/admin/queue"),
    ]);
    if (health.status === "fulfilled") renderHealth(health.value, queue.value);
    else {
      const overall = byId("overall");
      overall.dataset.status = "down";
      overall.textContent = `Health unavailable: ${health.reason.message}`;
    }
    if (stats.status === "fulfilled") renderStats(stats.value);
    setText(
      "dashboard-updated",
      `Updated ${new Date().toLocaleTimeString()} · refreshes every 5 s`,
    );
  }

  return {
    show() {
      if (!stop) stop = poll(refresh, POLL_MS);
    },
    hide() {
      stop?.();
      stop = null;
    },
  };
}
