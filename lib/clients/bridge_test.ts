import assert from "node:assert/strict";
import { type RunningBridge, startBridge } from "../../mock_bridge/server.ts";
import { startReceiver, testConfig } from "../../mock_bridge/testing.ts";
import { BridgeClient } from "./bridge.ts";

let bridge: RunningBridge | undefined;
let receiver: ReturnType<typeof startReceiver> | undefined;
let client: BridgeClient;
let api: BridgeClient;

Deno.test.beforeAll(() => {
  receiver = startReceiver({ statuses: [500] });
  bridge = startBridge(testConfig({ webhookUrl: receiver.url, apiKey: "client-key" }), {
    announce: false,
  });
  client = new BridgeClient(bridge.controlUrl);
  api = new BridgeClient(bridge.apiUrl, { apiKey: "client-key" });
});

Deno.test.afterAll(async () => {
  await bridge?.close();
  await receiver?.close();
});

async function zapwSend(to: string, text: string) {
  const res = await fetch(`${bridge!.apiUrl}/sessions/main/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-key" },
    body: JSON.stringify({ to, type: "text", text }),
  });
  return await res.json();
}

Deno.test("bridge client: inbound returns the message id and the first webhook attempt", async () => {
  const r = await client.inbound({ from: "+15550001111", text: "hi" });
  assert.equal(r.status, "simulated");
  assert.equal(r.webhook.status, 500); // the receiver fails the first attempt
  const page = await client.webhooks({
    message_id: r.message_id,
    event_type: "message.received",
    waitMs: 2000,
  });
  assert.equal(page.items[0]?.status, 500);
  const log = await client.inboundLog({ from: "15550001111" });
  assert.equal(log.items.at(-1)?.message_id, r.message_id);
});

Deno.test("bridge client: waitForSent returns only sends after lastSeq, as soon as they happen", async () => {
  const to = "+1 555 000 2222";
  await zapwSend("15550002222", "old");
  const since = await client.lastSeq();
  const waiting = client.waitForSent({ to, since, timeoutMs: 5000 });
  await zapwSend("15550002222", "new");
  const items = await waiting;
  assert.deepEqual(items.map((i) => i.text), ["new"]);
  assert.equal(items[0]?.to_jid, "15550002222@s.whatsapp.net");
});

Deno.test("bridge client: waitForSent with count gathers several sends", async () => {
  const since = await client.lastSeq();
  const waiting = client.waitForSent({ to: "15550003333", since, count: 3, timeoutMs: 5000 });
  for (const t of ["a", "b", "c", "d"]) await zapwSend("15550003333", t);
  assert.deepEqual((await waiting).map((i) => i.text), ["a", "b", "c"]);
});

Deno.test("bridge client: waitForSent times out with a description of what it waited for and what was there", async () => {
  const since = await client.lastSeq();
  await zapwSend("15550004444", "not for you");
  const error = await client.waitForSent({ to: "15550009999", since, timeoutMs: 200 }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(error instanceof Error);
  assert.match(
    error.message,
    /timed out after 200 ms waiting for 1 send\(s\) to 15550009999 after seq \d+/,
  );
  assert.match(error.message, /to=15550004444 type=text text="not for you"/);
});

Deno.test("bridge client: waitForSent still finds sends after the bridge restarted (seq counts from 0 again)", async () => {
  const fresh = startBridge(testConfig(), { announce: false });
  try {
    const c = new BridgeClient(fresh.controlUrl);
    const waiting = c.waitForSent({ to: "15550006666", since: 1_000_000, timeoutMs: 5000 });
    await fetch(`${fresh.apiUrl}/sessions/main/messages`, {
      method: "POST",
      body: JSON.stringify({ to: "15550006666", type: "text", text: "after restart" }),
    }).then((r) => r.body?.cancel());
    assert.deepEqual((await waiting).map((i) => i.text), ["after restart"]);
  } finally {
    await fresh.close();
  }
});

Deno.test("bridge client: faults and rejected sends, then reset", async () => {
  const f = await client.faults({ send_fail_times: 1 });
  assert.equal(f.send_fail_times, 1);
  const since = await client.lastSeq();
  const failed = await zapwSend("15550005555", "fails");
  assert.equal(failed.status, "error");
  const rejected = await client.waitForSent({
    to: "15550005555",
    since,
    all: true,
    timeoutMs: 2000,
  });
  assert.equal(rejected[0]?.rejected, true);
  assert.deepEqual((await client.sent({ to: "15550005555", since })).items, []);
  await client.reset();
  assert.equal((await client.faults()).send_fail_times, null);
  const state = await client.state();
  assert.equal(state.sessions[0]?.status, "connected");
});

Deno.test("bridge client: works against the API URL with the key, and healthy() probes /health", async () => {
  assert.equal(await api.healthy(), true);
  assert.equal((await api.faults()).offline, false);
  await client.faults({ offline: true });
  assert.equal(await api.healthy(), false);
  assert.equal(await client.healthy(), true);
  await client.faults({ offline: false });
  assert.equal(await api.healthy(), true);
});
