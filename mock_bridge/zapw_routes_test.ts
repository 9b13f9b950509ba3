/** The zapw API of the mock, in-process through `app.request()`. */
import assert from "node:assert/strict";
import { eventually } from "../lib/eventually.ts";
import { createApiApp } from "./app.ts";
import type { BridgeConfig } from "./config.ts";
import { BridgeState } from "./state.ts";
import { testConfig } from "./testing.ts";

function setup(overrides: Partial<BridgeConfig> = {}) {
  const state = new BridgeState(testConfig(overrides));
  const app = createApiApp(state);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    // deno-lint-ignore no-explicit-any
    return { status: res.status, json: json as any, text, headers: res.headers };
  };
  return { state, app, call };
}

// rules: R-BRIDGE-2
Deno.test("mock bridge zapw API: GET /health answers zapw's shape plus mock:true", async () => {
  const { state, call } = setup();
  try {
    const r = await call("GET", "/health");
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "ok");
    assert.equal(r.json.service, "zapw");
    assert.equal(r.json.mock, true);
    assert.equal(typeof r.json.uptime, "number");
    assert.ok(!Number.isNaN(Date.parse(r.json.timestamp)));
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-3
Deno.test("mock bridge zapw API: the default session starts connected as MOCK_PHONE_NUMBER", async () => {
  const { state, call } = setup({ phoneNumber: "19995550000" });
  try {
    const r = await call("GET", "/sessions/main");
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "success");
    assert.equal(r.json.data.id, "main");
    assert.equal(r.json.data.status, "connected");
    assert.equal(r.json.data.phoneNumber, "19995550000");
    assert.ok(r.json.data.connectedAt);
    assert.equal(r.json.data.qrCode, undefined);
    const list = await call("GET", "/sessions");
    assert.deepEqual(list.json.data.map((s: { id: string }) => s.id), ["main"]);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge zapw API: without MOCK_AUTO_CONNECT there is no session at start", async () => {
  const { state, call } = setup({ autoConnect: false });
  try {
    assert.deepEqual((await call("GET", "/sessions")).json, { status: "success", data: [] });
  } finally {
    state.close();
  }
});

// Two tests, not one: under CPU load the 400 ms connect delay could pass before the first
// read, so a test of both saw the session connected (no QR) where it waited for a fresh QR.
// rules: R-BRIDGE-3
Deno.test("mock bridge zapw API: a new session shows a real PNG QR and refreshes it after the TTL", async () => {
  const { state, call } = setup({ connectDelayMs: 60_000, qrTtlMs: 100 });
  try {
    const before = Date.now();
    const created = await call("POST", "/sessions", { sessionId: "user-1" });
    const after = Date.now();
    assert.equal(created.status, 201);
    const s = created.json.data;
    assert.equal(s.id, "user-1");
    assert.equal(s.status, "qr_waiting");
    assert.match(s.qrCode, /^data:image\/png;base64,iVBORw0KGgo/);
    const expiresAt = Date.parse(s.qrExpiresAt);
    assert.ok(
      expiresAt >= before + 100 && expiresAt <= after + 100,
      `QR expires 100 ms after creation: ${expiresAt - before} ms after the request started`,
    );
    // After expiry a read refreshes the QR.
    const again = await eventually(async () => {
      const r = await call("GET", "/sessions/user-1");
      return r.json.data.qrCode && r.json.data.qrCode !== s.qrCode ? r.json.data : undefined;
    }, { message: "a refreshed QR code", timeoutMs: 5_000 });
    assert.equal(again.status, "qr_waiting");
    assert.match(again.qrCode, /^data:image\/png;base64,iVBORw0KGgo/);
    assert.ok(Date.parse(again.qrExpiresAt) > expiresAt, "the new QR expires later");
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-3
Deno.test("mock bridge zapw API: a new session connects after the delay and its QR disappears", async () => {
  const { state, call } = setup({ connectDelayMs: 50, qrTtlMs: 100 });
  try {
    const created = await call("POST", "/sessions", { sessionId: "user-2" });
    assert.equal(created.status, 201);
    assert.equal(created.json.data.status, "qr_waiting");
    const connected = await eventually(async () => {
      const r = await call("GET", "/sessions/user-2");
      return r.json.data.status === "connected" ? r.json.data : undefined;
    }, { message: "session user-2 connected", timeoutMs: 5_000 });
    assert.equal(connected.qrCode, undefined);
    assert.equal(connected.phoneNumber, "1234567890");
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-2, R-BRIDGE-3
Deno.test("mock bridge zapw API: session errors use zapw's codes and texts", async () => {
  const { state, call } = setup();
  try {
    assert.deepEqual((await call("POST", "/sessions", { sessionId: "main" })).json, {
      status: "error",
      error: "Session main already exists",
    });
    assert.equal((await call("POST", "/sessions", { sessionId: "main" })).status, 409);
    const missing = await call("GET", "/sessions/nope");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { status: "error", error: "Session nope not found" });
    assert.equal((await call("DELETE", "/sessions/nope")).status, 404);
    assert.equal((await call("POST", "/sessions", { sessionId: 5 })).status, 400);
    assert.equal((await call("POST", "/sessions", "{bad")).status, 400);
    const generated = await call("POST", "/sessions", {});
    assert.equal(generated.status, 201);
    assert.match(generated.json.data.id, /^[0-9a-f-]{36}$/);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-3
Deno.test("mock bridge zapw API: DELETE /sessions/{id} answers 204 and the session is gone", async () => {
  const { state, call } = setup();
  try {
    const r = await call("DELETE", "/sessions/main");
    assert.equal(r.status, 204);
    assert.equal(r.text, "");
    assert.equal((await call("GET", "/sessions/main")).status, 404);
    assert.equal(state.events[0]?.eventType, "session.disconnected");
  } finally {
    state.close();
  }
});

const sends: Record<string, unknown>[] = [
  { type: "text", text: "hello" },
  { type: "image", mediaUrl: "http://x/a.png", caption: "look" },
  { type: "video", mediaBase64: "AAAA" },
  { type: "audio", mediaUrl: "http://x/a.ogg" },
  { type: "document", mediaBase64: "AAAA", fileName: "a.pdf" },
  { type: "location", latitude: 1.5, longitude: 2.5, name: "Here", address: "Street" },
  { type: "contact", contactName: "Ann", contactNumber: "+15550002222" },
];

for (const body of sends) {
  // rules: R-BRIDGE-4
  Deno.test(`mock bridge zapw API: a ${body.type} send answers {status:"success", data:{messageId, timestamp, status:"sent"}}`, async () => {
    const { state, call } = setup();
    try {
      const before = Date.now();
      const r = await call("POST", "/sessions/main/messages", { to: "+15550001111", ...body });
      assert.equal(r.status, 200);
      assert.equal(r.json.status, "success");
      assert.deepEqual(Object.keys(r.json.data).sort(), ["messageId", "status", "timestamp"]);
      assert.equal(r.json.data.status, "sent");
      assert.match(r.json.data.messageId, /^3EB0[0-9A-F]{16}$/);
      assert.ok(r.json.data.timestamp >= before && r.json.data.timestamp <= Date.now());
      const [item] = state.sent.since(0);
      assert.equal(item?.message_id, r.json.data.messageId);
      assert.equal(item?.type, body.type);
      assert.equal(item?.to_jid, "15550001111@s.whatsapp.net");
    } finally {
      state.close();
    }
  });
}

const sendErrors: [string, string, unknown, number, string][] = [
  [
    "missing text",
    "/sessions/main/messages",
    { to: "1555", type: "text" },
    400,
    "Text is required for text messages",
  ],
  [
    "missing to",
    "/sessions/main/messages",
    { type: "text", text: "x" },
    400,
    'Recipient "to" is required',
  ],
  ["missing type", "/sessions/main/messages", { to: "1555" }, 400, "Message type is required"],
  ["an empty body", "/sessions/main/messages", "", 400, 'Recipient "to" is required'],
  ["malformed JSON", "/sessions/main/messages", '{"to":', 400, "Invalid JSON body"],
  ["a JSON array", "/sessions/main/messages", [1, 2], 400, 'Recipient "to" is required'],
  [
    "an unknown type",
    "/sessions/main/messages",
    { to: "1555", type: "poll" },
    400,
    "Unknown message type: poll",
  ],
  [
    "an unknown session",
    "/sessions/nope/messages",
    { to: "1555", type: "text", text: "x" },
    404,
    "Session nope not found",
  ],
];

for (const [name, path, body, status, error] of sendErrors) {
  // rules: R-BRIDGE-4
  Deno.test(`mock bridge zapw API: a send with ${name} gets ${status} {status:"error", error}`, async () => {
    const { state, call } = setup();
    try {
      const r = await call("POST", path, body);
      assert.equal(r.status, status);
      assert.deepEqual(r.json, { status: "error", error });
      assert.equal(state.sent.lastSeq, 0, "not journaled");
    } finally {
      state.close();
    }
  });
}

Deno.test("mock bridge zapw API: a body over 20 MB is refused with 413 in the envelope", async () => {
  const { state, app } = setup();
  try {
    const res = await app.request("/sessions/main/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(21 * 1024 * 1024) },
      body: "{}",
    });
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), {
      status: "error",
      error: "Request body larger than 20 MB",
    });
  } finally {
    state.close();
  }
});

Deno.test("mock bridge zapw API: a chunked body over the limit is refused while streaming", async () => {
  const { state, app } = setup({ maxBodyBytes: 1000 });
  try {
    const chunk = new TextEncoder().encode("x".repeat(600));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        // Three 600-byte chunks and no content-length: over the 1000-byte limit.
        if (sent++ < 3) c.enqueue(chunk);
        else c.close();
      },
    });
    const res = await app.request(
      "/sessions/main/messages",
      { method: "POST", body, duplex: "half" } as RequestInit,
    );
    assert.equal(res.status, 413);
    assert.equal((await res.json()).status, "error");
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-1
Deno.test("mock bridge zapw API: with API_KEY, zapw routes need Bearer or X-API-Key and get zapw's 401 bodies", async () => {
  const { state, call } = setup({ apiKey: "k-123" });
  try {
    const none = await call("GET", "/sessions");
    assert.equal(none.status, 401);
    assert.deepEqual(none.json, { error: "Unauthorized", message: "API key is required" });
    const basic = await call("GET", "/sessions", undefined, { authorization: "Basic k-123" });
    assert.deepEqual(basic.json, { error: "Unauthorized", message: "API key is required" });
    const wrong = await call("GET", "/sessions", undefined, { authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, { error: "Unauthorized", message: "Invalid API key" });
    assert.equal(
      (await call("GET", "/sessions", undefined, { "x-api-key": "nope" })).json.message,
      "Invalid API key",
    );
    assert.equal(
      (await call("GET", "/sessions", undefined, { authorization: "Bearer k-123" })).status,
      200,
    );
    assert.equal((await call("GET", "/sessions", undefined, { "x-api-key": "k-123" })).status, 200);
    const send = await call("POST", "/sessions/main/messages", {
      to: "1555",
      type: "text",
      text: "x",
    });
    assert.equal(send.status, 401);
    // Open paths: health, the simulator, the test controls.
    assert.equal((await call("GET", "/health")).status, 200);
    assert.equal((await call("GET", "/__mock/faults")).status, 200);
    assert.equal((await call("GET", "/__mock/sent")).status, 200);
    assert.equal((await call("GET", "/events")).status, 401);
    assert.equal((await call("POST", "/messages/send", { to: "1", message: "x" })).status, 401);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-1
Deno.test("mock bridge zapw API: without API_KEY no route asks for a key", async () => {
  const { state, call } = setup();
  try {
    assert.equal((await call("GET", "/sessions")).status, 200);
    assert.equal((await call("GET", "/events")).status, 200);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-8
Deno.test("mock bridge zapw API: /events keeps the last 10 events, newest first, and DELETE clears them", async () => {
  const { state, call } = setup();
  try {
    for (let i = 0; i < 12; i++) {
      state.emit("main", "message.sent", { messageId: `m${i}`, status: 2 });
    }
    const r = await call("GET", "/events");
    assert.equal(r.json.status, "success");
    assert.equal(r.json.data.length, 10);
    assert.equal(r.json.data[0].data.messageId, "m11");
    assert.match(r.json.data[0].id, /^evt_\d+$/);
    assert.deepEqual(Object.keys(r.json.data[0]).sort(), [
      "data",
      "eventType",
      "id",
      "sessionId",
      "timestamp",
    ]);
    assert.deepEqual((await call("DELETE", "/events")).json, { status: "success" });
    assert.deepEqual((await call("GET", "/events")).json.data, []);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-8
Deno.test("mock bridge zapw API: /webhook-test answers outside production only", async () => {
  const dev = setup();
  const prod = setup({ production: true });
  try {
    const r = await dev.call("POST", "/webhook-test", { any: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.json.received, true);
    assert.equal(typeof r.json.timestamp, "number");
    assert.equal((await prod.call("POST", "/webhook-test", {})).status, 404);
  } finally {
    dev.state.close();
    prod.state.close();
  }
});

Deno.test("mock bridge zapw API: unknown routes get a JSON 404 and trailing slashes are accepted", async () => {
  const { state, call } = setup();
  try {
    const r = await call("GET", "/nothing/here");
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { status: "error", error: "Not found" });
    assert.equal((await call("GET", "/sessions/")).status, 200);
    assert.equal((await call("GET", "/health/")).status, 200);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge zapw API: the alias POST /messages/send sends a text on the default session", async () => {
  const { state, call } = setup();
  try {
    const r = await call("POST", "/messages/send", { to: "+15550003333", message: "alias hi" });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "sent");
    assert.match(r.json.message_id, /^3EB0/);
    assert.equal(state.sent.since(0)[0]?.text, "alias hi");
    assert.equal((await call("POST", "/messages/send", { to: "+1555" })).status, 400);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge zapw API: the alias POST /simulate/message simulates an inbound text", async () => {
  const { state, call } = setup();
  try {
    const r = await call("POST", "/simulate/message", {
      from: "+15550004444",
      message: "hi there",
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "simulated");
    assert.match(r.json.message_id, /^3EB0/);
    assert.ok("webhook_status" in r.json && "webhook_response" in r.json);
    assert.equal(state.inbound.since(0)[0]?.text, "hi there");
    const bad = await call("POST", "/simulate/message", { from: "+1555" });
    assert.deepEqual(bad.json, { status: "error", error: "message is required" });
  } finally {
    state.close();
  }
});

// rules: R-OUTPUT-2, R-OUTPUT-3
Deno.test("mock bridge zapw API: the simulator page is served with the CSP and no inline script", async () => {
  const { state, app } = setup({ apiKey: "k" });
  try {
    const res = await app.request("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const html = await res.text();
    assert.match(html, /<script type="module" src="\/static\/simulator.js"><\/script>/);
    assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/);
    const js = await app.request("/static/simulator.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.doesNotMatch(await js.text(), /innerHTML|insertAdjacentHTML|document\.write/);
    assert.equal((await app.request("/static/simulator.css")).status, 200);
  } finally {
    state.close();
  }
});
