/**
 * Test extensions under `/__mock` (R-BRIDGE-9 to R-BRIDGE-12), served on the API port and on the control
 * port: inbound simulation, the journals with long-poll, faults, reset. Snake_case bodies.
 */
import { Hono } from "hono";
import { fail, intQuery, isTrue, readJson } from "./http.ts";
import { sessionJson } from "./sessions.ts";
import type { BridgeState, InboundRecord, SentRecord, WebhookRecord } from "./state.ts";
import { checkInbound, digitsOf } from "./validate.ts";

/** Longest long-poll a client may ask for. */
export const MAX_WAIT_MS = 30_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function sentItem(state: BridgeState, r: SentRecord, now: number) {
  return {
    seq: r.seq,
    message_id: r.message_id,
    session_id: r.session_id,
    to: r.to,
    to_jid: r.to_jid,
    type: r.type,
    text: r.text,
    body: r.body,
    at: iso(r.at),
    /** The same instant as `at`, in ms since the epoch with a fraction (for benchmarks). */
    at_ms: r.at,
    rejected: r.rejected,
    http_status: r.http_status,
    status: state.receiptStatus(r, now),
  };
}

function webhookItem(r: WebhookRecord) {
  return { ...r, at: iso(r.at) };
}

function inboundItem(r: InboundRecord) {
  const { from_digits: _digits, ...rest } = r;
  return { ...rest, at: iso(r.at) };
}

/** Health of the control side; answers even while the API port is `offline`. */
export function controlHealth(state: BridgeState) {
  return {
    status: "ok",
    service: "zapw-mock-control",
    offline: state.faults.offline,
    uptime: (Date.now() - state.startedAt) / 1000,
    mock: true,
  };
}

export function mockRoutes(state: BridgeState): Hono {
  const app = new Hono({ strict: false });
  const max = state.config.maxBodyBytes;

  app.get("/health", (c) => c.json(controlHealth(state)));

  app.post("/inbound", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const checked = checkInbound(body.value);
    if (!checked.ok) return fail(c, 400, checked.error);
    const r = await state.receive(checked.value);
    if (!r.ok) return fail(c, r.status, r.error);
    return c.json({ status: "simulated", ...r.value });
  });

  app.get("/inbound", async (c) => {
    const q = queryCommon(c.req.query("since"), c.req.query("wait_ms"));
    if (typeof q === "string") return fail(c, 400, q);
    const from = digitsOf(c.req.query("from") ?? "");
    const filter = from ? (r: InboundRecord) => r.from_digits === from : undefined;
    const items = await state.inbound.wait(q.since, { waitMs: q.waitMs, filter });
    return c.json({ items: items.map(inboundItem), now: state.inbound.lastSeq });
  });

  app.get("/sent", async (c) => {
    const q = queryCommon(c.req.query("since"), c.req.query("wait_ms"));
    if (typeof q === "string") return fail(c, 400, q);
    const to = digitsOf(c.req.query("to") ?? "");
    const all = isTrue(c.req.query("all"));
    const filter = (r: SentRecord) => (all || !r.rejected) && (!to || r.to_digits === to);
    const items = await state.sent.wait(q.since, { waitMs: q.waitMs, filter });
    const now = Date.now();
    return c.json({ items: items.map((r) => sentItem(state, r, now)), now: state.sent.lastSeq });
  });

  app.get("/webhooks", async (c) => {
    const q = queryCommon(c.req.query("since"), c.req.query("wait_ms"));
    if (typeof q === "string") return fail(c, 400, q);
    const messageId = c.req.query("message_id") || undefined;
    const eventType = c.req.query("event_type") || undefined;
    const filter = (r: WebhookRecord) =>
      (!messageId || r.message_id === messageId) && (!eventType || r.event_type === eventType);
    const items = await state.webhooks.wait(q.since, { waitMs: q.waitMs, filter });
    return c.json({ items: items.map(webhookItem), now: state.webhooks.lastSeq });
  });

  app.get("/faults", (c) => c.json(state.faults));
  app.post("/faults", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const r = await state.patchFaults(body.value);
    return r.ok ? c.json(r.value) : fail(c, r.status, r.error);
  });

  app.get("/webhook", (c) => c.json(state.webhookView()));
  app.post("/webhook", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const r = state.setWebhook(body.value);
    return r.ok ? c.json(r.value) : fail(c, r.status, r.error);
  });

  app.post("/reset", async (c) => {
    await state.reset();
    return c.json({ status: "reset", faults: state.faults });
  });

  // Extension for the simulator page and harness: sessions, faults and settings in one read.
  app.get("/state", (c) => {
    const cfg = state.config;
    return c.json({
      sessions: state.sessions.all().map(sessionJson),
      faults: state.faults,
      settings: {
        session_id: cfg.sessionId,
        phone_number: cfg.phoneNumber,
        webhooks_enabled: state.webhooksEnabled,
        sent_delay_ms: cfg.sentDelayMs,
        delivered_delay_ms: cfg.deliveredDelayMs,
        read_delay_ms: cfg.readDelayMs,
        journal_limit: cfg.journalLimit,
        dashboard_url: cfg.dashboardUrl ?? null,
        control_port: state.controlPort || null,
      },
      seqs: {
        sent: state.sent.lastSeq,
        inbound: state.inbound.lastSeq,
        webhooks: state.webhooks.lastSeq,
      },
      webhooks_dropped: state.droppedWebhooks,
      memory: memoryMb(),
    });
  });

  // Extension: "scan" a session's QR code now (for MOCK_CONNECT_DELAY_MS=-1 or impatient tests).
  app.post("/sessions/:id/scan", (c) => {
    const id = c.req.param("id");
    const s = state.sessions.connect(id);
    return s
      ? c.json({ status: "connected", session: sessionJson(s) })
      : fail(c, 404, `Session ${id} not found`);
  });

  return app;
}

/** Process memory in MB, so a load run can check that the mock stays flat. */
function memoryMb() {
  const m = Deno.memoryUsage();
  const mb = (n: number) => Math.round(n / 104857.6) / 10;
  return { rss_mb: mb(m.rss), heap_used_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal) };
}

function queryCommon(
  sinceRaw: string | undefined,
  waitRaw: string | undefined,
): { since: number; waitMs: number } | string {
  const since = intQuery(sinceRaw, "since");
  if (typeof since === "string") return since;
  const wait = intQuery(waitRaw, "wait_ms");
  if (typeof wait === "string") return wait;
  return { since: since ?? 0, waitMs: Math.min(wait ?? 0, MAX_WAIT_MS) };
}
