/** The `/__mock` test extensions, in-process, with webhooks going to a real receiver. */
import assert from "node:assert/strict";
import { eventually } from "../lib/eventually.ts";
import { createApiApp, createControlApp } from "./app.ts";
import type { BridgeConfig } from "./config.ts";
import { BridgeState } from "./state.ts";
import { type Receiver, startReceiver, testConfig } from "./testing.ts";

function setup(overrides: Partial<BridgeConfig> = {}, receiver?: Receiver) {
  const state = new BridgeState(testConfig({ webhookUrl: receiver?.url, ...overrides }));
  const api = createApiApp(state);
  const control = createControlApp(state);
  const call = async (method: string, path: string, body?: unknown, app = control) => {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
    const res = await app.request(path, init);
    const text = await res.text();
    // deno-lint-ignore no-explicit-any
    return { status: res.status, json: (text ? JSON.parse(text) : null) as any };
  };
  const send = (to: string, text: string, session = "main") =>
    call("POST", `/sessions/${session}/messages`, { to, type: "text", text }, api);
  return { state, api, control, call, send };
}

// rules: R-BRIDGE-6, R-BRIDGE-9
Deno.test("mock bridge controls: inbound text emits message.received with zapw's envelope and data", async () => {
  const receiver = startReceiver();
  const { state, call } = setup({}, receiver);
  try {
    const r = await call("POST", "/__mock/inbound", { from: "+1 555 000 1111", text: "hello <b>" });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "simulated");
    assert.deepEqual(r.json.webhook, {
      status: 200,
      body: { status: "accepted", n: 1 },
      error: null,
    });
    const [hook] = receiver.received;
    assert.equal(hook?.event, "message.received");
    const e = hook!.body;
    assert.equal(e.sessionId, "main");
    assert.equal(e.origin, "1234567890");
    assert.equal(e.eventType, "message.received");
    assert.equal(typeof e.timestamp, "number");
    assert.deepEqual(e.data, {
      from: "15550001111@s.whatsapp.net",
      to: "1234567890:12@s.whatsapp.net",
      messageId: r.json.message_id,
      timestamp: e.data.timestamp,
      isGroup: false,
      type: "text",
      text: "hello <b>",
    });
    assert.equal(state.inbound.since(0)[0]?.webhook_status, 200);
  } finally {
    state.close();
    await receiver.close();
  }
});

const inboundKinds: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ["image with caption", { type: "image", caption: "cap" }, {
    type: "image",
    caption: "cap",
    hasMedia: true,
  }],
  ["video", { type: "video" }, { type: "video", hasMedia: true }],
  ["audio", { type: "audio" }, { type: "audio", hasMedia: true }],
  ["document", { type: "document", fileName: "a.pdf" }, {
    type: "document",
    fileName: "a.pdf",
    hasMedia: true,
  }],
  [
    "location",
    { type: "location", location: { latitude: 1, longitude: 2, name: "N" } },
    { type: "location", location: { latitude: 1, longitude: 2, name: "N" } },
  ],
  [
    "contact",
    { type: "contact", contact: { name: "Ann", number: "+15550009999" } },
    { type: "contact", contact: { name: "Ann", number: "+15550009999" } },
  ],
  ["unknown kind (no type field, like zapw)", { type: "unknown" }, {}],
];

for (const [name, input, expected] of inboundKinds) {
  // rules: R-BRIDGE-6
  Deno.test(`mock bridge controls: inbound ${name} carries zapw's fields`, async () => {
    const receiver = startReceiver();
    const { state, call } = setup({}, receiver);
    try {
      const r = await call("POST", "/__mock/inbound", { from: "15550001111", ...input });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const data = receiver.received[0]!.body.data;
      const { from: _f, to: _t, messageId: _m, timestamp: _ts, isGroup: _g, ...content } = data;
      assert.deepEqual(JSON.parse(JSON.stringify(content)), expected);
    } finally {
      state.close();
      await receiver.close();
    }
  });
}

// rules: R-BRIDGE-6
Deno.test("mock bridge controls: inbound group message has the participant as from and the group id", async () => {
  const receiver = startReceiver();
  const { state, call } = setup({}, receiver);
  try {
    await call("POST", "/__mock/inbound", {
      from: "15550001111",
      text: "hi all",
      groupId: "120363000001",
    });
    const data = receiver.received[0]!.body.data;
    assert.equal(data.isGroup, true);
    assert.equal(data.groupId, "120363000001@g.us");
    assert.equal(data.from, "15550001111@s.whatsapp.net");
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-9
Deno.test("mock bridge controls: a reused messageId is sent again as is (duplicate test), to can be chosen", async () => {
  const receiver = startReceiver();
  const { state, call } = setup({}, receiver);
  try {
    const a = await call("POST", "/__mock/inbound", {
      from: "1555",
      text: "x",
      messageId: "DUP-1",
      to: "+19990000000",
    });
    const b = await call("POST", "/__mock/inbound", {
      from: "1555",
      text: "x",
      messageId: "DUP-1",
    });
    assert.equal(a.json.message_id, "DUP-1");
    assert.equal(b.json.message_id, "DUP-1");
    assert.deepEqual(receiver.received.map((r) => r.body.data.messageId), ["DUP-1", "DUP-1"]);
    assert.equal(receiver.received[0]?.body.data.to, "19990000000@s.whatsapp.net");
  } finally {
    state.close();
    await receiver.close();
  }
});

Deno.test("mock bridge controls: inbound errors are 4xx envelopes", async () => {
  const { state, call } = setup();
  try {
    assert.deepEqual(await call("POST", "/__mock/inbound", "{oops"), {
      status: 400,
      json: { status: "error", error: "Invalid JSON body" },
    });
    assert.equal((await call("POST", "/__mock/inbound", { text: "no from" })).status, 400);
    const unknown = await call("POST", "/__mock/inbound", {
      from: "1555",
      text: "x",
      sessionId: "ghost",
    });
    assert.deepEqual(unknown, {
      status: 404,
      json: { status: "error", error: "Session ghost not found" },
    });
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-6
Deno.test("mock bridge controls: inbound without a webhook URL says so; own messages are not forwarded", async () => {
  const receiver = startReceiver();
  const off = setup();
  const on = setup({}, receiver);
  try {
    const r = await off.call("POST", "/__mock/inbound", { from: "1555", text: "x" });
    assert.deepEqual(r.json.webhook, { status: null, body: null, error: "webhooks disabled" });
    const own = await on.call("POST", "/__mock/inbound", { from: "1234567890", text: "me" });
    assert.equal(own.json.webhook.status, null);
    assert.equal(receiver.received.length, 0);
  } finally {
    off.state.close();
    on.state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-10
Deno.test("mock bridge controls: /__mock/sent lists sends oldest first, filters by digits and since", async () => {
  const { state, call, send } = setup();
  try {
    await send("+1 555 000 1111", "one");
    await send("15550002222", "two");
    await send("15550001111", "three");
    const all = await call("GET", "/__mock/sent");
    assert.deepEqual(all.json.items.map((i: { text: string }) => i.text), ["one", "two", "three"]);
    assert.equal(all.json.now, 3);
    const item = all.json.items[0];
    assert.deepEqual(Object.keys(item).sort(), [
      "at",
      "at_ms",
      "body",
      "http_status",
      "message_id",
      "rejected",
      "seq",
      "session_id",
      "status",
      "text",
      "to",
      "to_jid",
      "type",
    ]);
    assert.equal(item.to_jid, "15550001111@s.whatsapp.net");
    assert.equal(item.session_id, "main");
    // at_ms is the same instant as at, to a fraction of a millisecond.
    assert.equal(Math.floor(item.at_ms), Date.parse(item.at));
    const toA = await call("GET", "/__mock/sent?to=%2B15550001111");
    assert.deepEqual(toA.json.items.map((i: { seq: number }) => i.seq), [1, 3]);
    const after = await call("GET", "/__mock/sent?to=15550001111&since=1");
    assert.deepEqual(after.json.items.map((i: { seq: number }) => i.seq), [3]);
    assert.equal((await call("GET", "/__mock/sent?since=abc")).status, 400);
    assert.equal((await call("GET", "/__mock/sent?wait_ms=-5")).status, 400);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: send_fail_times fails the next N sends with send_status; all=1 shows them", async () => {
  const { state, call, send } = setup();
  try {
    await call("POST", "/__mock/faults", { send_fail_times: 2 });
    const a = await send("1555", "a");
    const b = await send("1555", "b");
    const c = await send("1555", "c");
    assert.deepEqual([a.status, b.status, c.status], [503, 503, 200]);
    assert.deepEqual(a.json, { status: "error", error: "Failed to send message" });
    assert.equal((await call("GET", "/__mock/faults")).json.send_fail_times, 0);
    const visible = await call("GET", "/__mock/sent");
    assert.deepEqual(visible.json.items.map((i: { text: string }) => i.text), ["c"]);
    const all = await call("GET", "/__mock/sent?all=1");
    assert.deepEqual(all.json.items.map((i: { rejected: boolean }) => i.rejected), [
      true,
      true,
      false,
    ]);
    assert.equal(all.json.items[0].message_id, null);
    assert.equal(all.json.items[0].http_status, 503);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: send_fail_to narrows send faults to one recipient, who alone uses up the countdown", async () => {
  const { state, call, send } = setup();
  try {
    const set = await call("POST", "/__mock/faults", {
      send_fail_times: 2,
      send_status: 422,
      send_fail_to: "+15550002222",
    });
    assert.equal(set.json.send_fail_to, "15550002222");
    const other = await send("15550001111", "other");
    const a = await send("15550002222", "a");
    const otherAgain = await send("15550001111@s.whatsapp.net", "other again");
    const b = await send("15550002222@s.whatsapp.net", "b");
    const c = await send("15550002222", "c");
    assert.deepEqual(
      [other.status, a.status, otherAgain.status, b.status, c.status],
      [200, 422, 200, 422, 200],
    );
    await call("POST", "/__mock/faults", { send_fail_times: null, send_status: 503 });
    assert.equal((await send("15550001111", "still other")).status, 200);
    assert.equal((await send("15550002222", "target")).status, 503);
    await call("POST", "/__mock/faults", { send_fail_to: null });
    assert.equal((await send("15550001111", "now everyone")).status, 503);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: send_status alone fails every send until null; 400 means Session not connected", async () => {
  const { state, call, send } = setup();
  try {
    await call("POST", "/__mock/faults", { send_status: 400 });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await send("1555", "x"), {
        status: 400,
        json: { status: "error", error: "Session not connected" },
      });
    }
    await call("POST", "/__mock/faults", { send_status: 500 });
    assert.equal((await send("1555", "x")).status, 500);
    await call("POST", "/__mock/faults", { send_status: null });
    assert.equal((await send("1555", "x")).status, 200);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: disconnect_session sends session.disconnected, sends get 400; false reconnects", async () => {
  const receiver = startReceiver();
  const { state, call, send } = setup({}, receiver);
  try {
    await call("POST", "/__mock/faults", { disconnect_session: true });
    assert.deepEqual(await send("1555", "x"), {
      status: 400,
      json: { status: "error", error: "Session not connected" },
    });
    const session = await call("GET", "/sessions/main", undefined, createApiApp(state));
    assert.equal(session.json.data.status, "disconnected");
    await eventually(() => receiver.of("session.disconnected").length === 1, {
      message: "session.disconnected",
    });
    assert.deepEqual(receiver.of("session.disconnected")[0]?.body.data, {
      reason: "connection_lost",
    });
    await call("POST", "/__mock/faults", { disconnect_session: false });
    assert.equal((await send("1555", "x")).status, 200);
    await eventually(() => receiver.of("session.connected").length === 1, {
      message: "session.connected",
    });
    assert.deepEqual(receiver.of("session.connected")[0]?.body.data, {
      phoneNumber: "1234567890",
      name: "Test User",
    });
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: latency_ms delays API responses but not the controls", async () => {
  const { state, call, send } = setup();
  try {
    await call("POST", "/__mock/faults", { latency_ms: 150 });
    let t = performance.now();
    assert.equal((await send("1555", "slow")).status, 200);
    assert.ok(performance.now() - t >= 145, "send delayed");
    t = performance.now();
    await call("GET", "/__mock/faults");
    assert.ok(performance.now() - t < 100, "controls not delayed");
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: duplicate_webhooks delivers every webhook twice", async () => {
  const receiver = startReceiver();
  const { state, call } = setup({}, receiver);
  try {
    await call("POST", "/__mock/faults", { duplicate_webhooks: true });
    const r = await call("POST", "/__mock/inbound", { from: "1555", text: "twice" });
    await eventually(() => receiver.received.length === 2, { message: "two deliveries" });
    assert.deepEqual(receiver.received.map((x) => x.body.data.messageId), [
      r.json.message_id,
      r.json.message_id,
    ]);
    const hooks = await call("GET", `/__mock/webhooks?message_id=${r.json.message_id}`);
    assert.deepEqual(hooks.json.items.map((h: { copy: number }) => h.copy).sort(), [1, 2]);
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-11
Deno.test("mock bridge controls: faults refuse unknown keys and wrong types with 400", async () => {
  const { state, call } = setup();
  try {
    const cases: unknown[] = [
      { offlne: true },
      { offline: "yes" },
      { send_fail_times: -1 },
      { send_fail_times: 1.5 },
      { send_status: 200 },
      { send_fail_to: "alice" },
      { send_fail_to: 15550001111 },
      { latency_ms: "5" },
      [],
      "{x",
    ];
    for (const body of cases) {
      const r = await call("POST", "/__mock/faults", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.status, "error");
    }
    assert.equal((await call("GET", "/__mock/faults")).json.offline, false);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-7
Deno.test("mock bridge controls: receipts sent → delivered → read follow the delays as webhooks", async () => {
  const receiver = startReceiver();
  const { state, send } = setup(
    { sentDelayMs: 10, deliveredDelayMs: 40, readDelayMs: 80 },
    receiver,
  );
  try {
    const r = await send("1555", "tick");
    const id = r.json.data.messageId;
    await eventually(() => receiver.received.length === 3, { message: "three receipts" });
    assert.deepEqual(
      receiver.received.map((x) => [x.event, x.body.data]),
      [
        ["message.sent", { messageId: id, status: 2 }],
        ["message.delivered", { messageId: id, status: 3 }],
        ["message.read", { messageId: id, status: 4 }],
      ],
    );
    assert.equal(state.receiptStatus(state.sent.since(0)[0]!), "read");
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-7
Deno.test("mock bridge controls: a delay of -1 disables that receipt", async () => {
  const receiver = startReceiver();
  const { state, send } = setup(
    { sentDelayMs: 5, deliveredDelayMs: -1, readDelayMs: 20 },
    receiver,
  );
  try {
    await send("1555", "x");
    await eventually(() => receiver.received.length === 2, { message: "two receipts" });
    assert.deepEqual(receiver.received.map((x) => x.event), ["message.sent", "message.read"]);
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-5
Deno.test("mock bridge controls: an inbound to a receiver answering 500, 500, 200 makes exactly 3 attempts spaced by WEBHOOK_RETRY_DELAY × n", async () => {
  const receiver = startReceiver({ statuses: [500, 500, 200] });
  const { state, call } = setup({ webhookRetryAttempts: 3, webhookRetryDelayMs: 100 }, receiver);
  try {
    const r = await call("POST", "/__mock/inbound", { from: "1555", text: "retry" });
    assert.equal(r.json.webhook.status, 500);
    const items = await eventually(async () => {
      const page = await call("GET", `/__mock/webhooks?message_id=${r.json.message_id}`);
      return page.json.items.some((i: { status: number }) => i.status === 200)
        ? page.json.items
        : undefined;
    }, { message: "the third, successful attempt", timeoutMs: 3000 });
    assert.deepEqual(items.map((i: { attempt: number; status: number }) => [i.attempt, i.status]), [
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    assert.equal(receiver.received.length, 3);
    const [a, b, c] = receiver.received.map((x) => x.at) as [number, number, number];
    assert.ok(b - a >= 95 && b - a < 400, `gap 1 was ${Math.round(b - a)} ms`);
    assert.ok(c - b >= 195 && c - b < 500, `gap 2 was ${Math.round(c - b)} ms`);
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-10
Deno.test("mock bridge controls: /__mock/webhooks records every attempt with status, error and response", async () => {
  const receiver = startReceiver({ statuses: [503, 200] });
  const { state, call } = setup({ webhookRetryDelayMs: 10 }, receiver);
  try {
    const r = await call("POST", "/__mock/inbound", { from: "1555", text: "retry me" });
    assert.equal(r.json.webhook.status, 503);
    const hooks = await eventually(async () => {
      const page = await call(
        "GET",
        `/__mock/webhooks?message_id=${r.json.message_id}&event_type=message.received`,
      );
      return page.json.items.length === 2 ? page.json.items : undefined;
    }, { message: "two attempts" });
    assert.deepEqual(hooks.map((h: { attempt: number; status: number }) => [h.attempt, h.status]), [
      [1, 503],
      [2, 200],
    ]);
    assert.equal(hooks[0].error, "HTTP 503");
    assert.deepEqual(hooks[1].response, { status: "accepted", n: 2 });
    assert.equal(typeof hooks[0].duration_ms, "number");
    assert.ok(!Number.isNaN(Date.parse(hooks[0].at)));
    const none = await call("GET", "/__mock/webhooks?event_type=message.read");
    assert.deepEqual(none.json.items, []);
  } finally {
    state.close();
    await receiver.close();
  }
});

// rules: R-BRIDGE-12
Deno.test("mock bridge controls: reset clears journals, events and faults and restores the default session", async () => {
  const { state, call, send, api } = setup();
  try {
    await send("1555", "before");
    await call("POST", "/__mock/inbound", { from: "1555", text: "x" });
    await call("POST", "/__mock/faults", {
      disconnect_session: true,
      latency_ms: 5,
      send_status: 503,
    });
    await call("DELETE", "/sessions/main", undefined, api);
    const r = await call("POST", "/__mock/reset");
    assert.equal(r.status, 200);
    assert.equal(r.json.status, "reset");
    assert.deepEqual((await call("GET", "/__mock/sent?all=1")).json.items, []);
    assert.deepEqual((await call("GET", "/__mock/inbound")).json.items, []);
    assert.deepEqual((await call("GET", "/__mock/faults")).json, {
      offline: false,
      send_fail_times: null,
      send_status: null,
      send_fail_to: null,
      latency_ms: 0,
      duplicate_webhooks: false,
      disconnect_session: false,
    });
    const main = await call("GET", "/sessions/main", undefined, api);
    assert.equal(main.json.data.status, "connected");
    assert.equal((await send("1555", "after")).status, 200);
    // seq keeps counting, so a since taken before the reset stays meaningful.
    assert.equal((await call("GET", "/__mock/sent")).json.items[0].seq, 2);
  } finally {
    state.close();
  }
});

Deno.test("mock bridge controls: /__mock/state shows sessions, faults and delays; scan connects a session", async () => {
  const { state, call, api } = setup({ connectDelayMs: -1 });
  try {
    const created = await call("POST", "/sessions", { sessionId: "s2" }, api);
    assert.equal(created.json.data.status, "qr_waiting");
    const s = await call("GET", "/__mock/state");
    assert.deepEqual(s.json.sessions.map((x: { id: string }) => x.id), ["main", "s2"]);
    assert.equal(s.json.settings.session_id, "main");
    assert.equal(s.json.faults.offline, false);
    const scanned = await call("POST", "/__mock/sessions/s2/scan");
    assert.equal(scanned.json.session.status, "connected");
    assert.equal((await call("POST", "/__mock/sessions/none/scan")).status, 404);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-12
Deno.test("mock bridge controls: the control app serves /health and /__mock/health but not the zapw API", async () => {
  const { state, call } = setup();
  try {
    assert.equal((await call("GET", "/health")).json.service, "zapw-mock-control");
    assert.equal((await call("GET", "/__mock/health")).json.status, "ok");
    assert.equal((await call("GET", "/sessions")).status, 404);
  } finally {
    state.close();
  }
});

// rules: R-BRIDGE-13
Deno.test("mock bridge controls: /__mock/webhook moves webhooks to another URL and secret at run time, masked on read, kept across reset", async () => {
  const first = startReceiver();
  const second = startReceiver();
  const { state, call } = setup({}, first);
  try {
    assert.deepEqual((await call("GET", "/__mock/webhook")).json, {
      url: first.url.replace("secret=s3cret", "secret=***"),
      enabled: true,
      secret_set: true,
    });
    const other = second.url.replace("/api/v1/webhooks/whatsapp?secret=s3cret", "/hooks/wa");
    const moved = await call("POST", "/__mock/webhook", { url: other, secret: "n3w" });
    assert.equal(moved.status, 200);
    assert.deepEqual(moved.json, { url: `${other}?secret=***`, enabled: true, secret_set: true });
    await call("POST", "/__mock/inbound", { from: "+15550001111", text: "to the new place" });
    await eventually(() => second.received.length === 1, { message: "the moved webhook" });
    assert.equal(new URL(second.received[0]!.url).pathname, "/hooks/wa");
    assert.equal(new URL(second.received[0]!.url).searchParams.get("secret"), "n3w");
    assert.equal(first.received.length, 0);
    // Configuration, not test state: a reset keeps it.
    await call("POST", "/__mock/reset");
    assert.equal((await call("GET", "/__mock/webhook")).json.url, `${other}?secret=***`);
    // Secret removed; then webhooks switched off.
    assert.equal((await call("POST", "/__mock/webhook", { secret: null })).json.secret_set, false);
    assert.equal((await call("POST", "/__mock/webhook", { enabled: false })).json.enabled, false);
    assert.equal(state.webhooksEnabled, false);
  } finally {
    state.close();
    await first.close();
    await second.close();
  }
});

// rules: R-BRIDGE-13
Deno.test("mock bridge controls: a bad /__mock/webhook body is a 400 naming the field, and changes nothing", async () => {
  const receiver = startReceiver();
  const { state, call } = setup({}, receiver);
  try {
    for (
      const [body, error] of [
        [{ url: "ftp://x" }, /url must be an http\(s\) URL/],
        [{ url: 42 }, /url must be an http\(s\) URL/],
        [{ secret: "" }, /secret must be a non-empty string/],
        [{ enabled: "yes" }, /enabled must be a boolean/],
        [{ urll: "http://x" }, /unknown field\(s\): urll/],
        [[1], /body must be an object/],
      ] as const
    ) {
      const r = await call("POST", "/__mock/webhook", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error, error);
    }
    assert.equal(state.config.webhookUrl, receiver.url);
    const none = setup({ webhookUrl: undefined });
    assert.match(
      (await none.call("POST", "/__mock/webhook", { secret: "s" })).json.error,
      /secret needs a webhook url/,
    );
    none.state.close();
  } finally {
    state.close();
    await receiver.close();
  }
});
