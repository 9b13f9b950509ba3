/**
 * A reply is sent once (R-INTAKE-8) on a real PostgreSQL and Redis, through the crash points of
 * delivery: a send the bridge accepted before the worker died, a send-once marker whose id
 * another row holds, and sends left in doubt (started, outcome unrecorded) that the bridge's
 * receipts settle or that are sent again once the window for receipts has passed. Apart from
 * recovery_test.ts because each doubt waits out that window: side by side, the unit group
 * ends sooner.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/mod.ts";
import { IN_DOUBT_WINDOW_MS } from "./delivery.ts";
import { enqueueOutbound, OUT } from "./outbound_queue.ts";
import { markAttempt } from "./outbound_store.ts";
import { storeInbound } from "./inbound_store.ts";
import { parseWebhook } from "./webhook_event.ts";
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
const env = echoPipelinePerFile("send-once");

/**
 * An inbound message and its queued reply, as the agent worker leaves them just before delivery.
 * One transaction: the running pipeline's sweeper (every 300 ms) must never see the message
 * pending, or the agent answers it too and the test's own reply breaks the one-reply index
 * (seen once in four unit runs under load).
 */
async function answeredInbound(
  label: string,
  replyText: string,
): Promise<{ from: string; inboundId: number; replyId: number }> {
  const from = testPhone();
  const parsed = parseWebhook(zapwMessage({ from, text: label, messageId: `${label}-${from}` }));
  assert.ok(parsed.ok && parsed.event.kind === "message");
  const event = parsed.event;
  return await env.deps.sql.begin(async (tx) => {
    const stored = await storeInbound(tx as unknown as Sql, env.deps.config, event);
    assert.ok(stored);
    await tx`UPDATE messages SET agent_status = 'done' WHERE id = ${stored.id}`;
    const [reply] = await tx<{ id: number }[]>`
      INSERT INTO messages (user_id, direction, content, reply_to_id, status)
      VALUES (${stored.userId}, 'outbound', ${replyText}, ${stored.id}, 'queued')
      RETURNING id`;
    return { from, inboundId: stored.id, replyId: reply!.id };
  });
}

/** A reply whose send a dead holder started: its attempt marker is left behind. */
async function inDoubtReply(
  label: string,
  deadHolder = `dead-${label}`,
): Promise<{ from: string; replyId: number; jobId: string }> {
  const { from, inboundId, replyId } = await answeredInbound(label, `reply to ${label}`);
  const jobId = `reply:${inboundId}`;
  await markAttempt(env.deps.redis, jobId, deadHolder);
  return { from, replyId, jobId };
}

/** A receipt for an id nobody recorded, as the bridge sends it, noted as an orphan. */
async function orphanReceipt(waId: string): Promise<void> {
  const res = await env.post({
    sessionId: "main",
    eventType: "message.sent",
    data: { messageId: waId, status: 2 },
  });
  await res.body?.cancel();
  await eventually(async () => (await env.deps.redis.zscore(OUT.orphans, waId)) !== null, {
    message: `the receipt for ${waId} noted as an orphan`,
  });
}

/**
 * How long a send left in doubt may take to be judged and settled or sent again: the window
 * the receipts get, plus the sweeps and retries around it. A deadline of twice the window was
 * missed on a 2-core box running a dozen other processes (the settle came 10.1 s in).
 */
const IN_DOUBT_DEADLINE_MS = IN_DOUBT_WINDOW_MS + 20_000;

const enqueueReply = (r: { from: string; replyId: number; jobId: string }) =>
  enqueueOutbound(env.deps.redis, {
    id: r.jobId,
    kind: "reply",
    to: r.from,
    text: `again ${r.jobId}`,
    messageId: r.replyId,
  });

// rules: R-INTAKE-8
Deno.test("send once: a job whose send was accepted before a crash is not sent again", async () => {
  // Crash point: the bridge accepted and the marker was set, but the row was never updated
  // and the job never completed (the worker died). The sweeper finds the queued row.
  // Answered the way the agent worker would, but the worker "died" before delivery.
  const { from, inboundId, replyId } = await answeredInbound("crash", "already sent");
  await env.deps.redis.set(OUT.sent(`reply:${inboundId}`), "WA-CRASH", "EX", 600);
  await eventually(async () => {
    const [r] = await env.deps.sql<{ status: string; whatsapp_message_id: string | null }[]>`
      SELECT status, whatsapp_message_id FROM messages WHERE id = ${replyId}`;
    return r?.status === "sent" && r.whatsapp_message_id === "WA-CRASH";
  }, { message: "row recorded as sent from the marker" });
  assert.equal(sentTo(env, from).length, 0);
});

// rules: R-INTAKE-8
Deno.test("send once: a send-once marker whose id another row holds does not block the recipient", async () => {
  // Whatever put it there (a receipt settling two sends), the row can never take this id: the
  // job must finish without it instead of retrying at the head of the recipient's queue.
  const { phones: [other] } = await sendFromNewPhones(env, 1, "holds-id");
  await exactlyOneReplyEach(env, [other!]);
  const [held] = await env.deps.sql<{ whatsapp_message_id: string }[]>`
    SELECT m.whatsapp_message_id FROM messages m JOIN users u ON u.id = m.user_id
    WHERE u.phone_number = ${other!} AND m.direction = 'outbound'`;
  const { from, replyId, jobId } = await inDoubtReply("id-clash");
  await env.deps.redis.set(OUT.sent(jobId), held!.whatsapp_message_id, "EX", 600);
  await enqueueReply({ from, replyId, jobId });
  await eventually(async () => {
    const [r] = await env.deps.sql<{ status: string }[]>`
      SELECT status FROM messages WHERE id = ${replyId}`;
    return r?.status === "sent";
  }, { message: "the row recorded as sent, without the id another row holds" });
  const res = await env.post(zapwMessage({ from, text: "next one", messageId: `next-${from}` }));
  await res.body?.cancel();
  await exactlyOneReplyEach(env, [from]);
});

// rules: R-INTAKE-8
Deno.test("send once: a send left in doubt by a crash is settled by the bridge's receipt, not resent", async () => {
  const { from, replyId, jobId } = await inDoubtReply("doubt-sent");
  // The bridge had taken it: its receipt arrives for an id nobody recorded.
  const res = await env.post({
    sessionId: "main",
    eventType: "message.delivered",
    data: { messageId: "WA-DOUBT-1", status: 3 },
  });
  await res.body?.cancel();
  // The sweeper may find the queued row and settle it by this receipt before the orphan is
  // seen here: either is the receipt having been taken into account.
  await eventually(async () => {
    if ((await env.deps.redis.zscore(OUT.orphans, "WA-DOUBT-1")) !== null) return true;
    const [r] = await env.deps.sql<{ whatsapp_message_id: string | null }[]>`
      SELECT whatsapp_message_id FROM messages WHERE id = ${replyId}`;
    return r?.whatsapp_message_id === "WA-DOUBT-1";
  }, { message: "the receipt noted as an orphan (or already used to settle the send)" });
  await enqueueOutbound(env.deps.redis, {
    id: jobId,
    kind: "reply",
    to: from,
    text: "x",
    messageId: replyId,
  });
  await eventually(async () => {
    const [r] = await env.deps.sql<{ status: string; whatsapp_message_id: string | null }[]>`
      SELECT status, whatsapp_message_id FROM messages WHERE id = ${replyId}`;
    return r?.whatsapp_message_id === "WA-DOUBT-1" && r.status === "delivered";
  }, { message: "row settled with the receipt's id and status", timeoutMs: IN_DOUBT_DEADLINE_MS });
  assert.equal(sentTo(env, from).length, 0);
});

// rules: R-INTAKE-8
Deno.test("send once: a send left in doubt with no receipt is sent again after the window", async () => {
  const { from, replyId, jobId } = await inDoubtReply("doubt-lost");
  await enqueueOutbound(env.deps.redis, {
    id: jobId,
    kind: "reply",
    to: from,
    text: "again",
    messageId: replyId,
  });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(sentTo(env, from).length, 0, "held while a receipt may still come");
  await exactlyOneReplyEach(env, [from], IN_DOUBT_DEADLINE_MS);
});

// zapw's receipts name no recipient: one receipt for two sends in doubt proves that one of them
// arrived, not which. Settling either with it could drop the other's reply for good.
// rules: R-INTAKE-8
Deno.test("send once: two sends in doubt and one receipt: both are sent again, neither lost", async () => {
  const a = await inDoubtReply("doubt-pair-a", "dead-pair");
  const b = await inDoubtReply("doubt-pair-b", "dead-pair");
  await orphanReceipt("WA-PAIR-ONE");
  await Promise.all([enqueueReply(a), enqueueReply(b)]);
  await exactlyOneReplyEach(env, [a.from, b.from], IN_DOUBT_DEADLINE_MS);
  const rows = await env.deps.sql<{ whatsapp_message_id: string | null }[]>`
    SELECT whatsapp_message_id FROM messages WHERE id IN (${a.replyId}, ${b.replyId})`;
  assert.ok(
    rows.every((r) => r.whatsapp_message_id !== "WA-PAIR-ONE"),
    `no row took the ambiguous receipt: ${JSON.stringify(rows)}`,
  );
});

// rules: R-INTAKE-8
Deno.test("send once: two sends in doubt and two receipts: both settled, neither resent", async () => {
  const a = await inDoubtReply("doubt-both-a", "dead-both");
  const b = await inDoubtReply("doubt-both-b", "dead-both");
  await orphanReceipt("WA-BOTH-1");
  await orphanReceipt("WA-BOTH-2");
  await Promise.all([enqueueReply(a), enqueueReply(b)]);
  const ids = await eventually(async () => {
    const rows = await env.deps.sql<{ whatsapp_message_id: string | null }[]>`
      SELECT whatsapp_message_id FROM messages WHERE id IN (${a.replyId}, ${b.replyId})
        AND status <> 'queued'`;
    return rows.length === 2 ? rows.map((r) => r.whatsapp_message_id).sort() : null;
  }, { message: "both rows settled", timeoutMs: IN_DOUBT_DEADLINE_MS });
  assert.deepEqual(ids, ["WA-BOTH-1", "WA-BOTH-2"]);
  assert.equal(sentTo(env, a.from).length + sentTo(env, b.from).length, 0, "nothing sent again");
});
