/** The mock bridge over real sockets: offline really closes the port; long-poll latency. */
import assert from "node:assert/strict";
import { eventually } from "../lib/eventually.ts";
import { type RunningBridge, startBridge } from "./server.ts";
import { type Receiver, startReceiver, testConfig } from "./testing.ts";

let bridge: RunningBridge | undefined;
let receiver: Receiver | undefined;

Deno.test.beforeAll(() => {
  receiver = startReceiver();
  bridge = startBridge(testConfig({ webhookUrl: receiver.url, apiKey: "sock-key" }), {
    announce: false,
  });
});

Deno.test.afterAll(async () => {
  await bridge?.close();
  await receiver?.close();
});

function b(): RunningBridge {
  if (!bridge) throw new Error("bridge not started");
  return bridge;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sock-key", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function canConnect(port: number): Promise<true | string> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch (error) {
    return (error as Error).name;
  }
}

Deno.test("mock bridge server: both ports answer /health", async () => {
  const api = await (await fetch(`${b().apiUrl}/health`)).json();
  const control = await (await fetch(`${b().controlUrl}/health`)).json();
  assert.equal(api.service, "zapw");
  assert.equal(control.service, "zapw-mock-control");
  assert.notEqual(b().apiPort, b().controlPort);
});

// rules: R-BRIDGE-11, R-BRIDGE-12
Deno.test("mock bridge server: offline refuses TCP connections and online answers again on the same port", async () => {
  const port = b().apiPort;
  const off = await postJson(`${b().controlUrl}/__mock/faults`, { offline: true });
  assert.equal(off.json.offline, true);
  assert.equal(await canConnect(port), "ConnectionRefused");
  await assert.rejects(fetch(`${b().apiUrl}/health`));
  // The control port stays up and inbound still works while offline.
  const health = await (await fetch(`${b().controlUrl}/health`)).json();
  assert.equal(health.offline, true);
  const inbound = await postJson(`${b().controlUrl}/__mock/inbound`, {
    from: "15550001111",
    text: "during outage",
  });
  assert.equal(inbound.status, 200);
  assert.equal(inbound.json.webhook.status, 200);

  const on = await postJson(`${b().controlUrl}/__mock/faults`, { offline: false });
  assert.equal(on.json.offline, false);
  assert.equal(b().apiPort, port);
  assert.equal(await canConnect(port), true);
  const res = await fetch(`${b().apiUrl}/health`);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  // Coming back, the bridge reports its connected session (Zapa drains its queue on it).
  await eventually(() => receiver!.of("session.connected").length >= 1, {
    message: "session.connected after online",
  });
});

Deno.test("mock bridge server: going offline ends long-polls on the API port at once", async () => {
  const waiting = fetch(`${b().apiUrl}/__mock/sent?to=19990001234&wait_ms=20000`).then((r) =>
    r.json()
  );
  await eventually(() => b().state.sent.waiting === 1, { message: "long-poll registered" });
  const started = performance.now();
  await postJson(`${b().controlUrl}/__mock/faults`, { offline: true });
  assert.deepEqual((await waiting).items, []);
  assert.ok(performance.now() - started < 1500, "offline did not wait for the long-poll");
  await postJson(`${b().controlUrl}/__mock/faults`, { offline: false });
  assert.equal(await canConnect(b().apiPort), true);
});

Deno.test("mock bridge server: offline asked on the API port itself answers at once", async () => {
  const started = performance.now();
  try {
    const r = await postJson(`${b().apiUrl}/__mock/faults`, { offline: true });
    assert.equal(r.json.offline, true);
    // Waiting on its own request would deadlock or sit out the 2 s close wait; the bound sits
    // below that, not at "fast": beside the other test lanes this took 732 ms once.
    assert.ok(
      performance.now() - started < 1_500,
      `took ${Math.round(performance.now() - started)} ms`,
    );
    assert.equal(await canConnect(b().apiPort), "ConnectionRefused");
  } finally {
    // Back online even when an assertion failed: the next tests use the same bridge.
    await postJson(`${b().controlUrl}/__mock/faults`, { offline: false });
  }
  assert.equal(await canConnect(b().apiPort), true);
});

// rules: R-BRIDGE-10
Deno.test("mock bridge server: a long-poll wakes on the matching send, not at its deadline", async () => {
  const to = "15557770000";
  const since = b().state.sent.lastSeq;
  const poll = fetch(`${b().controlUrl}/__mock/sent?to=${to}&since=${since}&wait_ms=10000`).then(
    async (r) => ({
      body: await r.json(),
      at: performance.now(),
    }),
  );
  await eventually(() => b().state.sent.waiting === 1, { message: "long-poll registered" });
  // Another recipient does not wake it.
  await postJson(`${b().apiUrl}/sessions/main/messages`, {
    to: "15550000000",
    type: "text",
    text: "other",
  });
  const sentAt = performance.now();
  const sent = await postJson(`${b().apiUrl}/sessions/main/messages`, {
    to,
    type: "text",
    text: "wake up",
  });
  assert.equal(sent.status, 200);
  const { body, at } = await poll;
  assert.deepEqual(body.items.map((i: { text: string }) => i.text), ["wake up"]);
  // Woken by the send: far sooner than the 10 s wait (an absolute latency budget belongs in a
  // benchmark; 50 ms here failed at 55 ms on a loaded box).
  assert.ok(
    at - sentAt < 2_000,
    `long-poll answered ${Math.round(at - sentAt)} ms after the send started`,
  );
});

Deno.test("mock bridge server: a body over 20 MB gets 413 in zapw's envelope and the bridge keeps serving", async () => {
  const big = JSON.stringify({
    to: "1555",
    type: "image",
    mediaBase64: "A".repeat(21 * 1024 * 1024),
  });
  const r = await postJson(`${b().apiUrl}/sessions/main/messages`, big);
  assert.equal(r.status, 413);
  assert.deepEqual(r.json, { status: "error", error: "Request body larger than 20 MB" });
  const ok = await postJson(`${b().apiUrl}/sessions/main/messages`, {
    to: "1555",
    type: "text",
    text: "still here",
  });
  assert.equal(ok.status, 200);
});

Deno.test("mock bridge server: media just under the limit is accepted and journaled short", async () => {
  const media = "B".repeat(5 * 1024 * 1024);
  const r = await postJson(`${b().apiUrl}/sessions/main/messages`, {
    to: "15551112222",
    type: "document",
    mediaBase64: media,
    fileName: "big.pdf",
  });
  assert.equal(r.status, 200);
  const page = await (await fetch(`${b().controlUrl}/__mock/sent?to=15551112222`)).json();
  assert.match(page.items[0].body.mediaBase64, /… \(5242880 chars\)$/);
});
