/**
 * Zero-loss recovery (R-INTAKE-*, R-OUTAGE-*) on a real PostgreSQL and Redis: store outages, Redis coming
 * back empty, both stores down, and the crash points of a worker — each message gets exactly one
 * reply. The agent is the local echo stand-in.
 */
import assert from "node:assert/strict";
import { enqueueOutbound, OUT } from "./outbound_queue.ts";
import { INTAKE_GROUP, INTAKE_STREAM } from "./intake.ts";
import { ensureIntakeGroup } from "./ingest.ts";
import { storeInbound } from "./inbound_store.ts";
import { parseWebhook } from "./webhook_event.ts";
import { requeueFailed } from "./queue_admin.ts";
import {
  echoPipelinePerFile,
  eventually,
  exactlyOneReplyEach,
  sendFromNewPhones,
  sentTo,
  testPhone,
  zapwMessage,
} from "../testing/mod.ts";

/** Started before this file's first test, stopped after its last. */
const env = echoPipelinePerFile("recovery-a");
// rules: R-INTAKE-2, R-OUTAGE-3
Deno.test("recovery: with Redis down, webhooks go to PostgreSQL and replies follow once it is back empty", async () => {
  await env.rd.stop();
  const { phones, statuses } = await sendFromNewPhones(env, 5, "redis-down");
  assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  await env.rd.start();
  await exactlyOneReplyEach(env, phones);
  const again = await sendFromNewPhones(env, 1, "redis-back");
  await exactlyOneReplyEach(env, again.phones);
});

// rules: R-INTAKE-4, R-OUTAGE-2
Deno.test("recovery: with PostgreSQL down, events wait in Redis and are answered once it is back", async () => {
  await env.pg.stop();
  const { phones, statuses } = await sendFromNewPhones(env, 5, "pg-down");
  assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(env.bridge.sent.filter((s) => phones.includes(s.to)).length, 0);
  await env.pg.start();
  await exactlyOneReplyEach(env, phones);
});

// rules: R-WEBHOOK-5, R-OUTAGE-4
Deno.test("recovery: with both stores down the webhook answers 503 storage_unavailable", async () => {
  await Promise.all([env.pg.stop(), env.rd.stop()]);
  try {
    const from = testPhone();
    const res = await env.post(zapwMessage({ from, messageId: `both-${from}` }));
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.deepEqual(await res.json(), { status: "error", error: "storage_unavailable" });
  } finally {
    await Promise.all([env.pg.start(), env.rd.start()]);
  }
  // Right after the restart the clients may not have reconnected yet and the webhook would
  // still answer 503 (the bridge retries those); send once a store takes messages again.
  await eventually(async () => {
    if (env.deps.redis.status === "ready") return true;
    await env.deps.sql`SELECT 1`;
    return true;
  }, { message: "Redis or PostgreSQL reachable again" });
  const { phones, statuses } = await sendFromNewPhones(env, 1, "both-back");
  assert.deepEqual(statuses, [200]);
  await exactlyOneReplyEach(env, phones);
});

// rules: R-DELIVERY-2
Deno.test("recovery: the bridge failing transiently delays the reply but sends it once", async () => {
  await env.bridge.failSends(503, 3);
  const { phones } = await sendFromNewPhones(env, 1, "bridge-flaky");
  await exactlyOneReplyEach(env, phones);
});

// rules: R-DELIVERY-3, R-DELIVERY-4
Deno.test("recovery: permanent failures dead-letter after 3 tries; requeue sends it", async () => {
  await env.bridge.failSends(422, 3);
  const { phones } = await sendFromNewPhones(env, 1, "bridge-422");
  const row = await eventually(async () => {
    const [r] = await env.deps.sql<{ id: number; status: string }[]>`
      SELECT m.id, m.status FROM messages m JOIN users u ON u.id = m.user_id
      WHERE u.phone_number = ${phones[0]!} AND m.direction = 'outbound'`;
    return r?.status === "failed" ? r : null;
  }, { message: "the reply row marked failed" });
  assert.equal(await env.deps.redis.zcard(OUT.failed), 1);
  assert.equal(sentTo(env, phones[0]!).length, 0);
  assert.deepEqual(await requeueFailed(env.deps), { requeued: 1 });
  await exactlyOneReplyEach(env, phones);
  await eventually(async () => {
    const [r] = await env.deps.sql<
      { status: string }[]
    >`SELECT status FROM messages WHERE id = ${row.id}`;
    return r?.status === "sent";
  }, { message: "row sent after requeue" });
});

// rules: R-INTAKE-7, R-ORDER-1
Deno.test("recovery: a user leased by a dead worker is answered once the lease expires", async () => {
  const from = testPhone();
  const parsed = parseWebhook(zapwMessage({ from, text: "orphan", messageId: `lease-${from}` }));
  assert.ok(parsed.ok && parsed.event.kind === "message");
  // The dead worker took the lease just before storing: nobody else may answer until expiry.
  const [u] = await env.deps.sql<{ id: number }[]>`
    INSERT INTO users (phone_number) VALUES (${from}) RETURNING id`;
  await env.deps.sql`INSERT INTO agent_leases (user_id, owner, expires_at)
    VALUES (${u!.id}, 'dead-worker', now() + interval '1500 milliseconds')`;
  await storeInbound(env.deps.sql, env.deps.config, parsed.event);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(sentTo(env, from).length, 0, "not answered while the lease is live");
  await exactlyOneReplyEach(env, [from]);
});

// rules: R-INTAKE-4
Deno.test("recovery: intake events leased by a dead consumer are reclaimed and stored once", async () => {
  const from = testPhone();
  const parsed = parseWebhook(zapwMessage({ from, text: "reclaim me", messageId: `pel-${from}` }));
  assert.ok(parsed.ok);
  await ensureIntakeGroup(env.deps.redis);
  // Another consumer reads the entry and dies without acknowledging it.
  const { createRedis } = await import("../redis.ts");
  const other = createRedis(env.deps.config.redisUrl, { blocking: true });
  try {
    while (other.status !== "ready") await new Promise((r) => setTimeout(r, 10));
    // In one transaction, so the live ingest consumer cannot read the entry first.
    await other.multi()
      .xadd(INTAKE_STREAM, "*", "e", JSON.stringify(parsed.event))
      .xreadgroup(
        "GROUP",
        INTAKE_GROUP,
        "dead-consumer",
        "COUNT",
        100,
        "STREAMS",
        INTAKE_STREAM,
        ">",
      )
      .exec();
    const owned = await other.xpending(INTAKE_STREAM, INTAKE_GROUP, "-", "+", 10, "dead-consumer");
    assert.equal((owned as unknown[]).length, 1, "the dead consumer holds the entry");
  } finally {
    other.disconnect();
  }
  await exactlyOneReplyEach(env, [from], 20_000);
  const [{ n }] = await env.deps.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM messages WHERE whatsapp_message_id = ${`pel-${from}`}` as unknown as [
    { n: number },
  ];
  assert.equal(n, 1);
});

// rules: R-LOGIN-1
Deno.test("recovery: an auth code job is sent and never stored in messages", async () => {
  const to = testPhone();
  await enqueueOutbound(env.deps.redis, {
    id: "auth:4242",
    kind: "auth_code",
    to,
    text: "Your Zapa code is 123456",
    expiresAt: Date.now() + 60_000,
  });
  await exactlyOneReplyEach(env, [to]);
  const rows = await env.deps.sql`SELECT 1 FROM messages WHERE content LIKE '%123456%'`;
  assert.equal(rows.length, 0);
});

// rules: R-DELIVERY-2
Deno.test("recovery: an expired auth code job is dropped unsent", async () => {
  const to = testPhone();
  await env.bridge.failSends(503);
  try {
    await enqueueOutbound(env.deps.redis, {
      id: "auth:expiring",
      kind: "auth_code",
      to,
      text: "Your Zapa code is 654321",
      expiresAt: Date.now() + 300,
    });
    await new Promise((r) => setTimeout(r, 400));
  } finally {
    await env.bridge.failSends(null);
  }
  await eventually(async () => (await env.deps.redis.exists(OUT.job("auth:expiring"))) === 0, {
    message: "expired job dropped",
  });
  assert.equal(sentTo(env, to).length, 0);
});
