import assert from "node:assert/strict";
import { createApp } from "../http/app.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { IntakeResult } from "./intake.ts";
import { secretMatches, webhookRoutes } from "./webhook.ts";
import type { WebhookEvent } from "./webhook_event.ts";

function appWith(options: { secret?: string | null; result?: IntakeResult } = {}) {
  const seen: WebhookEvent[] = [];
  const app = createApp({ service: "zapa-private", metrics: new MetricsRegistry() });
  app.route(
    "/",
    webhookRoutes({ webhookSecret: options.secret === undefined ? "s3cret" : options.secret }, {
      intake: (event) => {
        seen.push(event);
        return Promise.resolve(options.result ?? "accepted");
      },
      session: (event) => void seen.push(event),
    }),
  );
  return { app, seen };
}

const message = {
  sessionId: "main",
  eventType: "message.received",
  timestamp: Date.now(),
  data: { from: "15551234567@s.whatsapp.net", messageId: "W1", text: "hi" },
};

function post(
  app: ReturnType<typeof appWith>["app"],
  body: unknown,
  options: { query?: string; headers?: Record<string, string> } = {},
) {
  return app.request(`/api/v1/webhooks/whatsapp${options.query ?? "?secret=s3cret"}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

// rules: R-WEBHOOK-1
Deno.test("webhook route: the secret is required in the header or the query", async () => {
  const { app } = appWith();
  for (
    const [query, headers, status] of [
      ["", {}, 401],
      ["?secret=wrong", {}, 401],
      ["?secret=s3cret", {}, 200],
      ["", { "x-webhook-secret": "s3cret" }, 200],
      ["", { "x-webhook-secret": "s3cret-longer" }, 401],
    ] as const
  ) {
    const res = await post(app, message, { query, headers });
    assert.equal(res.status, status, `${query} ${JSON.stringify(headers)}`);
    if (status === 401) {
      assert.deepEqual(await res.json(), { status: "error", error: "unauthorized" });
    } else await res.body?.cancel();
  }
});

// rules: R-WEBHOOK-1
Deno.test("webhook route: without a configured secret anything is accepted", async () => {
  const { app } = appWith({ secret: null });
  const res = await post(app, message, { query: "" });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

// rules: R-WEBHOOK-5
Deno.test("webhook route: the response table", async (t) => {
  await t.step("message accepted", async () => {
    const { app, seen } = appWith();
    const res = await post(app, message);
    assert.deepEqual(await res.json(), { status: "accepted", message_id: "W1" });
    assert.equal(seen[0]?.kind, "message");
  });
  await t.step("seen before", async () => {
    const { app } = appWith({ result: "duplicate" });
    assert.deepEqual(await (await post(app, message)).json(), {
      status: "duplicate",
      message_id: "W1",
    });
  });
  await t.step("receipt", async () => {
    const { app } = appWith();
    const res = await post(app, {
      eventType: "message.delivered",
      data: { messageId: "B1", status: 3 },
    });
    assert.deepEqual(await res.json(), { status: "accepted", message_id: "B1" });
  });
  await t.step("session event", async () => {
    const { app, seen } = appWith();
    const res = await post(app, { sessionId: "main", eventType: "session.connected", data: {} });
    assert.deepEqual(await res.json(), { status: "accepted", event_type: "session.connected" });
    assert.equal(seen[0]?.kind, "session");
  });
  await t.step("unknown type", async () => {
    const { app } = appWith();
    const res = await post(app, { eventType: "chat.archived", data: {} });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ignored", reason: "unknown_event_type" });
  });
  for (
    const [name, body] of [["not JSON", "{nope"], ["an array", [1]], ["no id", {
      eventType: "message.received",
      data: {},
    }]] as const
  ) {
    await t.step(`malformed: ${name}`, async () => {
      const { app } = appWith();
      const res = await post(app, body);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { status: "error", error: "invalid_payload" });
    });
  }
  await t.step("storage unavailable", async () => {
    const { app } = appWith({ result: "unavailable" });
    const res = await post(app, message);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.deepEqual(await res.json(), { status: "error", error: "storage_unavailable" });
  });
  await t.step("trailing slash", async () => {
    const { app } = appWith();
    const res = await app.request("/api/v1/webhooks/whatsapp/?secret=s3cret", {
      method: "POST",
      body: JSON.stringify(message),
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });
});

// rules: R-WEBHOOK-5, R-HTTP-3
Deno.test("webhook route: a body over 1 MB is 413", async () => {
  const { app } = appWith();
  const res = await post(app, { ...message, pad: "x".repeat(1_100_000) });
  assert.equal(res.status, 413);
  await res.body?.cancel();
});

// rules: R-WEBHOOK-1
Deno.test("webhook route: secret comparison", () => {
  assert.equal(secretMatches("abc", "abc"), true);
  assert.equal(secretMatches("abd", "abc"), false);
  assert.equal(secretMatches("", "abc"), false);
});
