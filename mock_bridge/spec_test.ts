/**
 * The mock bridge against its published contract: every answer of every documented operation is
 * validated with ajv against `spec/openapi/bridge.json`, and every webhook it sends against
 * `spec/events/zapw.schema.json`. The document may not list an operation the double lacks.
 */
import assert from "node:assert/strict";
import { eventually } from "../lib/eventually.ts";
import { describeErrors, loadSpec, OpenApiChecker } from "../lib/spec_schemas.ts";
import { createApiApp, createControlApp } from "./app.ts";
import { BridgeState } from "./state.ts";
import { startReceiver, testConfig } from "./testing.ts";

const KEY = "bridge-test-key";
const AUTH = { authorization: `Bearer ${KEY}` };

/** Paths as called → the document's templates. */
function template(path: string): string {
  const p = path.split("?")[0]!;
  return p
    .replace(/^\/__mock\/sessions\/[^/]+\/scan$/, "/__mock/sessions/{id}/scan")
    .replace(/^\/sessions\/[^/]+\/messages$/, "/sessions/{id}/messages")
    .replace(/^\/sessions\/[^/]+$/, "/sessions/{id}");
}

// rules: R-BRIDGE-1, R-BRIDGE-2, R-BRIDGE-3, R-BRIDGE-4, R-BRIDGE-6, R-BRIDGE-7, R-BRIDGE-8, R-BRIDGE-9, R-BRIDGE-10, R-BRIDGE-11, R-BRIDGE-12
// rules: R-BRIDGE-13
Deno.test("mock bridge spec: every operation answers as bridge.json documents and every webhook matches the event schemas", async () => {
  const spec = loadSpec(["bridge"]);
  const doc = new OpenApiChecker(spec, "bridge");
  const receiver = startReceiver();
  const state = new BridgeState(testConfig({
    apiKey: KEY,
    webhookUrl: receiver.url,
    sentDelayMs: 0,
    deliveredDelayMs: 5,
    readDelayMs: 10,
    maxBodyBytes: 64 * 1024,
  }));
  const api = createApiApp(state);
  const control = createControlApp(state);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    options: { app?: typeof api; headers?: Record<string, string> } = {},
  ) => {
    const init: RequestInit = { method, headers: { ...AUTH, ...options.headers } };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const res = await (options.app ?? api).request(path, init);
    const text = await res.text();
    const json = (res.headers.get("content-type") ?? "").includes("json") && text
      ? JSON.parse(text)
      : text;
    doc.check(method, template(path), res.status, json);
    return { status: res.status, json };
  };
  const text = (to: string, t: string) => ({ to, type: "text", text: t });
  try {
    // zapw API
    await call("GET", "/health");
    await call("GET", "/health", undefined, { app: control });
    assert.equal(
      (await call("GET", "/sessions", undefined, { headers: { authorization: "" } })).status,
      401,
    );
    assert.equal(
      (await call("GET", "/sessions", undefined, { headers: { authorization: "Bearer x" } }))
        .status,
      401,
    );
    assert.equal((await call("GET", "/sessions")).status, 200);
    assert.equal((await call("POST", "/sessions", { sessionId: "second" })).status, 201);
    assert.equal((await call("POST", "/sessions", { sessionId: "second" })).status, 409);
    assert.equal((await call("POST", "/sessions", { sessionId: 5 })).status, 400);
    assert.equal((await call("POST", "/sessions", "{not json")).status, 400);
    assert.equal((await call("POST", "/sessions", { pad: "x".repeat(70_000) })).status, 413);
    assert.equal((await call("GET", "/sessions/second")).status, 200);
    assert.equal((await call("GET", "/sessions/nobody")).status, 404);
    assert.equal((await call("POST", "/__mock/sessions/second/scan")).status, 200);
    assert.equal((await call("POST", "/__mock/sessions/nobody/scan")).status, 404);
    assert.equal((await call("DELETE", "/sessions/second")).status, 204);
    assert.equal((await call("DELETE", "/sessions/second")).status, 404);

    const sends = [
      text("+15550001111", "hello"),
      { to: "15550001111", type: "image", mediaUrl: "https://example.com/a.png", caption: "c" },
      { to: "15550001111", type: "document", mediaBase64: "AAAA", fileName: "a.pdf" },
      { to: "15550001111", type: "location", latitude: 1.5, longitude: 2.5, name: "here" },
      { to: "15550001111", type: "contact", contactName: "Bo", contactNumber: "+15550002222" },
    ];
    for (const body of sends) {
      assert.equal((await call("POST", "/sessions/main/messages", body)).status, 200);
    }
    assert.equal(
      (await call("POST", "/sessions/main/messages", { to: "1", type: "text" })).status,
      400,
    );
    assert.equal((await call("POST", "/sessions/nobody/messages", text("+1555", "x"))).status, 404);
    for (const status of [503, 429, 500]) {
      await call("POST", "/__mock/faults", { send_status: status });
      assert.equal(
        (await call("POST", "/sessions/main/messages", text("+1555", "x"))).status,
        status,
      );
      assert.equal(
        (await call("POST", "/messages/send", { to: "+1555", message: "x" })).status,
        status,
      );
    }
    await call("POST", "/__mock/faults", { send_status: null, disconnect_session: true });
    assert.equal((await call("POST", "/sessions/main/messages", text("+1555", "x"))).status, 400);
    await call("POST", "/__mock/faults", { disconnect_session: false });
    await call("GET", "/__mock/faults");
    assert.equal((await call("POST", "/__mock/faults", { nonsense: 1 })).status, 400);

    await call("GET", "/events");
    await call("DELETE", "/events");
    await call("POST", "/webhook-test", { ping: 1 });
    assert.equal(
      (await call("POST", "/messages/send", { to: "+15550001111", message: "hi" })).status,
      200,
    );
    assert.equal((await call("POST", "/messages/send", { to: "+15550001111" })).status, 400);
    assert.equal(
      (await call("POST", "/simulate/message", { from: "+15550003333", message: "hi" })).status,
      200,
    );
    assert.equal((await call("POST", "/simulate/message", { from: "+15550003333" })).status, 400);

    // Test controls
    const inbound = [
      { from: "+15550003333", text: "plain" },
      { from: "15550003333", type: "image", caption: "look" },
      { from: "15550003333", type: "audio" },
      { from: "15550003333", type: "document", fileName: "f.pdf" },
      { from: "15550003333", type: "location", location: { latitude: 1, longitude: 2 } },
      { from: "15550003333", type: "contact", contact: { name: "Al", number: "+15550004444" } },
      { from: "15550003333", type: "unknown" },
      { from: "15550003333", text: "in a group", groupId: "120363000000000001" },
      { from: "15550003333", text: "again", messageId: "FIXED-ID" },
      { from: "15550003333", text: "again", messageId: "FIXED-ID", to: "+15559990000" },
    ];
    for (const body of inbound) {
      assert.equal((await call("POST", "/__mock/inbound", body)).status, 200);
    }
    assert.equal((await call("POST", "/__mock/inbound", { text: "no sender" })).status, 400);
    assert.equal(
      (await call("POST", "/__mock/inbound", { from: "+1555", text: "x", sessionId: "x" })).status,
      404,
    );
    await call("GET", "/__mock/inbound?from=15550003333");
    await call("GET", "/__mock/sent?all=1&to=%2B15550001111");
    await call("GET", "/__mock/webhooks?event_type=message.received");
    assert.equal((await call("GET", "/__mock/sent?since=-1")).status, 400);
    await call("GET", "/__mock/health");
    await call("GET", "/__mock/state");
    await call("GET", "/", undefined, { headers: { authorization: "" } });
    await call("GET", "/static/simulator.js");
    await call("GET", "/static/simulator.css");
    await call("GET", "/favicon.ico");

    // Webhooks: wait for the last send's read receipt, then check everything received.
    await eventually(() => receiver.of("message.read").length >= sends.length + 1, {
      timeoutMs: 5_000,
      message: "read receipts for every accepted send",
    });
    const envelope = spec.validator("events/zapw.schema.json");
    const types = new Set<string>();
    for (const hook of receiver.received) {
      const eventType = hook.body.eventType;
      types.add(eventType);
      assert.equal(hook.event, eventType, "X-Webhook-Event repeats eventType");
      const one = spec.validator(`events/zapw.schema.json#/$defs/${eventType}`);
      for (const validate of [one, envelope]) {
        assert.ok(
          validate(hook.body),
          `${eventType}: ${describeErrors(validate.errors)}\n${JSON.stringify(hook.body)}`,
        );
      }
    }
    assert.deepEqual([...types].sort(), [
      "message.delivered",
      "message.read",
      "message.received",
      "message.sent",
      "session.connected",
      "session.disconnected",
    ]);
    // Where webhooks go, changed at run time and back (R-BRIDGE-13).
    await call("GET", "/__mock/webhook", undefined, { app: control });
    assert.equal((await call("POST", "/__mock/webhook", { enabled: "no" })).status, 400);
    await call("POST", "/__mock/webhook", { url: receiver.url, secret: "other", enabled: true });
    await call("POST", "/__mock/webhook", { secret: "s3cret" });
    await call("POST", "/__mock/reset");
    const missing = doc.operations().filter((op) => !doc.seen.has(op));
    assert.deepEqual(missing, [], "operations in bridge.json the test never called");
  } finally {
    state.close();
    await receiver.close();
  }
});
