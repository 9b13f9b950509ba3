/**
 * The pipeline end to end against a real PostgreSQL 15 and Redis with the in-process mock
 * bridge: webhook → ingest → agent → delivery, duplicates, store outages and crash points. The
 * agent here is a local echo (the real one is tested in zapa/agent/).
 */
import assert from "node:assert/strict";
import { createApp } from "../http/app.ts";
import { assemblePipeline, idleWorkers } from "./mod.ts";
import { enqueueOutbound, OUT } from "./outbound_queue.ts";
import {
  echoPipelinePerFile,
  eventually,
  postWebhook,
  testPhone,
  zapwMessage,
} from "../testing/mod.ts";

/** Started before this file's first test, stopped after its last. */
const env = echoPipelinePerFile("test-a");

const phone = testPhone;
const post = (body: unknown) => env.post(body);

function sentTo(to: string) {
  return env.bridge.sent.filter((s) => s.to === to);
}

// rules: R-INTAKE-5, R-INTAKE-6, R-DELIVERY-1
Deno.test("pipeline: a message gets exactly one reply, stored with reply_to_id and sent", async () => {
  const from = phone();
  const res = await post(zapwMessage({ from, text: "hi there", messageId: `M-${from}` }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "accepted", message_id: `M-${from}` });
  await eventually(() => sentTo(from).length === 1, { message: "one reply at the bridge" });
  assert.equal(sentTo(from)[0]!.text, "echo: hi there");
  const rows = await eventually(async () => {
    const r = await env.deps.sql<
      { status: string; reply_to_id: number; whatsapp_message_id: string }[]
    >`
      SELECT r.status, r.reply_to_id, r.whatsapp_message_id FROM messages r
      JOIN messages i ON i.id = r.reply_to_id WHERE i.whatsapp_message_id = ${`M-${from}`}`;
    return r[0]?.status === "sent" ? r : null;
  }, { message: "reply row marked sent" });
  assert.equal(rows[0]!.whatsapp_message_id, sentTo(from)[0]!.messageId);
  const [user] = await env.deps.sql<{ display_name: string }[]>`
    SELECT display_name FROM users WHERE phone_number = ${from}`;
  assert.equal(user!.display_name, `User ${from.slice(-4)}`);
});

// rules: R-INTAKE-1, R-INTAKE-3
Deno.test("pipeline: a duplicate webhook stores one row and sends one reply", async () => {
  const from = phone();
  const body = zapwMessage({ from, text: "twice", messageId: `D-${from}` });
  assert.equal((await (await post(body)).json()).status, "accepted");
  assert.equal((await (await post(body)).json()).status, "duplicate");
  await eventually(() => sentTo(from).length === 1, { message: "one reply" });
  const [{ n }] = await env.deps.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM messages m JOIN users u ON u.id = m.user_id
    WHERE u.phone_number = ${from}` as unknown as [{ n: number }];
  assert.equal(n, 2);
});

// rules: R-WEBHOOK-6
Deno.test("pipeline: receipts move the reply's status forward to read", async () => {
  const from = phone();
  await post(zapwMessage({ from, text: "status please", messageId: `S-${from}` }));
  const sent = await eventually(() => sentTo(from)[0], { message: "reply sent" });
  for (const eventType of ["message.read", "message.delivered"]) {
    const res = await post({
      sessionId: "main",
      eventType,
      timestamp: Date.now(),
      data: { messageId: sent.messageId, status: 4 },
    });
    assert.equal(res.status, 200);
  }
  await eventually(async () => {
    const [r] = await env.deps.sql<{ status: string }[]>`
      SELECT status FROM messages WHERE whatsapp_message_id = ${sent.messageId}`;
    return r?.status === "read";
  }, { message: "status read (delivered after read does not go back)" });
});

// rules: R-WEBHOOK-6
Deno.test("pipeline: a receipt that arrives before the id is recorded is parked and applied", async () => {
  await post({ sessionId: "main", eventType: "message.delivered", data: { messageId: "EARLY1" } });
  // The webhook acknowledges once the event is durable; parking happens after, in intake.
  await eventually(async () => await env.deps.redis.exists("zapa:parked:EARLY1") === 1, {
    message: "the receipt for the unknown id EARLY1 parked in Redis",
  });
  const from = phone();
  const id = await enqueueOutbound(env.deps.redis, {
    id: "auth:early-test",
    kind: "auth_code",
    to: from,
    text: "code 123456",
    expiresAt: Date.now() + 60_000,
  });
  assert.equal(id, true);
  await eventually(() => sentTo(from).length === 1, { message: "auth code sent" });
  // The job is completed after the bridge answers the send, so its removal is waited for too.
  await eventually(async () => await env.deps.redis.exists(OUT.job("auth:early-test")) === 0, {
    message: "the auth code's job removed once its send is recorded",
  });
  assert.equal(await env.deps.redis.exists("zapa:parked:EARLY1"), 1);
});

// rules: R-SILENCE-1, R-SILENCE-2, R-SILENCE-3
Deno.test("pipeline: messages not due an answer are stored only", async () => {
  const from = phone();
  const group = zapwMessage({ from, text: "group", messageId: `G-${from}` });
  (group.data as Record<string, unknown>).isGroup = true;
  (group.data as Record<string, unknown>).groupId = "120363000@g.us";
  const other = zapwMessage({
    from,
    text: "other",
    messageId: `O-${from}`,
    to: "19998887777@s.whatsapp.net",
  });
  for (const body of [group, other]) assert.equal((await post(body)).status, 200);
  await eventually(async () => {
    const rows = await env.deps
      .sql`SELECT agent_status FROM messages m JOIN users u ON u.id = m.user_id
      WHERE u.phone_number = ${from}`;
    return rows.length === 2 && rows.every((r) => r.agent_status === null);
  }, { message: "two stored rows without agent work" });
  assert.equal(sentTo(from).length, 0);
});

// rules: R-ORDER-1, R-ORDER-3
Deno.test("pipeline: one user's messages are answered and delivered in order", async () => {
  const from = phone();
  const base = Date.now();
  for (let i = 1; i <= 4; i++) {
    const res = await post(
      zapwMessage({ from, text: `m${i}`, messageId: `O${i}-${from}`, timestamp: base + i }),
    );
    await res.body?.cancel();
  }
  await eventually(() => sentTo(from).length === 4, { message: "four replies" });
  assert.deepEqual(sentTo(from).map((s) => s.text), [
    "echo: m1",
    "echo: m2",
    "echo: m3",
    "echo: m4",
  ]);
});

// rules: R-WEBHOOK-7
Deno.test("pipeline: session events wait for the schema and are mirrored in the order sent", async () => {
  let markReady!: () => void;
  const schemaReady = new Promise<void>((resolve) => (markReady = resolve));
  let drains = 0;
  const app = createApp({ service: "zapa-private", metrics: env.deps.metrics });
  app.route(
    "/",
    assemblePipeline(env.deps, idleWorkers({ agent() {}, delivery: () => drains++, ingest() {} }), {
      schemaReady,
    }).webhook,
  );
  const sessionId = `order-${crypto.randomUUID().slice(0, 8)}`;
  const status = async () =>
    (await env.deps.sql<{ status: string }[]>`
      SELECT status FROM sessions WHERE bridge_session_id = ${sessionId}`)[0]?.status ?? null;
  // Ten flips back to back, ending disconnected; each is acknowledged at once.
  for (let i = 0; i < 10; i++) {
    const eventType = i % 2 === 0 ? "session.connected" : "session.disconnected";
    const res = await postWebhook(app.fetch, { sessionId, eventType, data: {} });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  // Before the schema is ready nothing is written (a boot-time event is not dropped either).
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await status(), null, "no sessions row before the schema is ready");
  assert.equal(drains, 0);
  markReady();
  await eventually(() => drains === 5, { message: "five drains, one per connected event" });
  await eventually(async () => (await status()) === "disconnected", {
    message: "the last event (disconnected) wins",
  });
});
