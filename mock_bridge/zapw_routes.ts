/**
 * The zapw API (R-BRIDGE-*): health, sessions, sending, `/events`, `/webhook-test`,
 * and the two compatibility aliases. Bodies, status codes and error texts follow zapw.
 */
import { Hono } from "hono";
import { fail, readJson, success } from "./http.ts";
import { sessionJson } from "./sessions.ts";
import type { BridgeState } from "./state.ts";
import { checkInbound } from "./validate.ts";

export function zapwRoutes(state: BridgeState): Hono {
  const app = new Hono({ strict: false });
  const max = state.config.maxBodyBytes;

  app.get("/health", (c) =>
    c.json({
      status: "ok",
      timestamp: new Date().toISOString(),
      service: "zapw",
      uptime: (Date.now() - state.startedAt) / 1000,
      mock: true,
    }));

  app.post("/sessions", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const b = (typeof body.value === "object" && body.value !== null ? body.value : {}) as Record<
      string,
      unknown
    >;
    if (b.sessionId !== undefined && b.sessionId !== null && typeof b.sessionId !== "string") {
      return fail(c, 400, "sessionId must be a string");
    }
    const id = (b.sessionId as string | undefined) || crypto.randomUUID();
    if (!/^[^\/\s]{1,100}$/.test(id)) {
      return fail(c, 400, "sessionId must be 1-100 characters without spaces or slashes");
    }
    try {
      const session = await state.sessions.create(id);
      if (!session) return fail(c, 409, `Session ${id} already exists`);
      return success(c, sessionJson(session), 201);
    } catch {
      return fail(c, 500, "Failed to create session");
    }
  });

  app.get("/sessions", async (c) => {
    const list = [];
    for (const s of state.sessions.all()) {
      const fresh = await state.sessions.refreshed(s.id);
      if (fresh) list.push(sessionJson(fresh));
    }
    return success(c, list);
  });

  app.get("/sessions/:id", async (c) => {
    const id = c.req.param("id");
    const s = await state.sessions.refreshed(id);
    return s ? success(c, sessionJson(s)) : fail(c, 404, `Session ${id} not found`);
  });

  app.delete("/sessions/:id", (c) => {
    const id = c.req.param("id");
    return state.sessions.delete(id) ? c.body(null, 204) : fail(c, 404, `Session ${id} not found`);
  });

  app.post("/sessions/:id/messages", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const r = state.send(c.req.param("id"), body.value);
    if (!r.ok) return fail(c, r.status, r.error);
    return c.json({
      status: "success",
      data: { messageId: r.value.messageId, timestamp: r.value.timestamp, status: "sent" },
    });
  });

  app.get("/events", (c) => success(c, state.events));
  app.delete("/events", (c) => {
    state.events = [];
    return c.json({ status: "success" });
  });

  app.post("/webhook-test", async (c) => {
    if (state.config.production) return fail(c, 404, "Not found");
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    return c.json({ received: true, timestamp: Date.now() });
  });

  // Compatibility alias of /__mock/inbound for older suites: a text from `from`.
  app.post("/simulate/message", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const b = (typeof body.value === "object" && body.value !== null ? body.value : {}) as Record<
      string,
      unknown
    >;
    const checked = checkInbound({
      from: b.from,
      to: b.to,
      type: "text",
      text: b.message,
      messageId: b.message_id ?? b.messageId,
    });
    if (!checked.ok) {
      return fail(
        c,
        400,
        checked.error.replace("text is required for text messages", "message is required"),
      );
    }
    const r = await state.receive(checked.value);
    if (!r.ok) return fail(c, r.status, r.error);
    return c.json({
      status: "simulated",
      message_id: r.value.message_id,
      webhook_status: r.value.webhook.status,
      webhook_response: r.value.webhook.body,
    });
  });

  // Compatibility alias: a text on the default session.
  app.post("/messages/send", async (c) => {
    const body = await readJson(c.req.raw, max);
    if (!body.ok) return fail(c, body.status, body.error);
    const b = (typeof body.value === "object" && body.value !== null ? body.value : {}) as Record<
      string,
      unknown
    >;
    const r = state.send(state.config.sessionId, { to: b.to, type: "text", text: b.message });
    if (!r.ok) return fail(c, r.status, r.error);
    return c.json({ message_id: r.value.messageId, status: "sent" });
  });

  return app;
}
