/**
 * Hostile webhook input against a real PostgreSQL 15 and Redis (R-WEBHOOK-*, R-INTAKE-*, R-WEBHOOK-8, R-INTAKE-9): what
 * the webhook acknowledges must be storable — text PostgreSQL cannot hold is stored as U+FFFD and
 * flagged, and the message answered — and when something still cannot be stored or sent, its
 * dead letter carries the message id and the reason, in the log and in the admin queue view.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { failedItems } from "./queue_admin.ts";
import { storeInbound, storeInboundMany } from "./inbound_store.ts";
import { ensureIntakeGroup } from "./ingest.ts";
import { INTAKE_STREAM } from "./intake.ts";
import { type InboundMessage, parseWebhook } from "./webhook_event.ts";
import { echoPipelinePerFile, eventually, testPhone, zapwMessage } from "../testing/mod.ts";

/** Started before this file's first test, stopped after its last. */
const env = echoPipelinePerFile("hostile");

/** Runs `fn` while collecting the JSON log lines written meanwhile. */
async function withLogLines<T>(fn: (lines: Record<string, unknown>[]) => Promise<T>): Promise<T> {
  const lines: Record<string, unknown>[] = [];
  const original = console.log;
  console.log = (text: unknown) => {
    try {
      lines.push(JSON.parse(String(text)));
    } catch {
      original(text);
    }
  };
  try {
    return await fn(lines);
  } finally {
    console.log = original;
  }
}

const hostileUnit = fc.oneof(
  fc.constantFrom("\u0000", "\ud800", "\udfff", "\u{1F600}", "\u200f", "a", " ", '"', "\\"),
  fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const hostile = fc.string({ unit: hostileUnit, maxLength: 12 });
const anyValue = fc.oneof(hostile, fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));

Deno.test("hostile input: every message the webhook parser accepts can be stored in PostgreSQL", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        messageId: fc.oneof(hostile, fc.constant("plain")),
        to: anyValue,
        groupId: anyValue,
        type: anyValue,
        text: anyValue,
        caption: anyValue,
        fileName: anyValue,
        location: fc.oneof(anyValue, fc.record({ name: hostile, address: hostile })),
        contact: fc.oneof(anyValue, fc.dictionary(hostile, hostile, { maxKeys: 2 })),
        sessionId: fc.oneof(hostile, fc.constant("main")),
      }),
      async ({ sessionId, messageId, ...data }) => {
        const from = testPhone();
        // An inactive sender: its rows are never pending, so the running pipeline does not
        // answer them (which would use up the bridge failures a later test sets up).
        await env.deps.sql`INSERT INTO users (phone_number, is_active) VALUES (${from}, false)
          ON CONFLICT (phone_number) DO UPDATE SET is_active = false`;
        const parsed = parseWebhook({
          sessionId,
          eventType: "message.received",
          data: {
            ...data,
            from: `${from.slice(1)}@s.whatsapp.net`,
            messageId: `${++n}${messageId}`,
          },
        });
        if (!parsed.ok) return;
        const event = parsed.event as InboundMessage;
        // Both statements ingest uses: the batch one and the one-by-one fallback.
        const [batch] = await storeInboundMany(env.deps.sql, env.deps.config, [event]);
        assert.ok(batch, "stored by the batch statement");
        await env.deps.sql`DELETE FROM messages WHERE id = ${batch.id}`;
        assert.ok(await storeInbound(env.deps.sql, env.deps.config, event), "stored one by one");
      },
    ),
    { numRuns: 300 },
  );
});

// rules: R-WEBHOOK-8
Deno.test("hostile input: NUL and lone surrogates in text, caption and names are stored as U+FFFD, flagged and answered", async () => {
  const from = testPhone();
  const body = zapwMessage({ from, text: "hi\u0000 there\ud800", messageId: `H-${from}` });
  const data = body.data as Record<string, unknown>;
  Object.assign(data, {
    type: "image",
    caption: "cap\udc00",
    fileName: "a\u0000.png",
    location: { name: "\u0000" },
    contact: { name: "\ud800" },
  });
  const res = await env.post(body);
  assert.deepEqual(await res.json(), { status: "accepted", message_id: `H-${from}` });
  const row = await eventually(async () => {
    const [r] = await env.deps.sql<
      { content: string; caption: string; metadata: Record<string, unknown> }[]
    >`SELECT content, caption, metadata FROM messages WHERE whatsapp_message_id = ${`H-${from}`}`;
    return r;
  }, { message: "the sanitised row stored" });
  assert.equal(row.content, "hi\ufffd there\ufffd");
  assert.equal(row.caption, "cap\ufffd");
  assert.equal(row.metadata.sanitized, true);
  assert.equal(row.metadata.file_name, "a\ufffd.png");
  await eventually(() => env.bridge.sent.some((s) => s.to === from), { message: "the reply sent" });
});

// rules: R-INTAKE-9, R-INTAKE-4
Deno.test("hostile input: an intake event ingest cannot store is dead-lettered with its message id and reason, logged at error level", async () => {
  const from = testPhone();
  const waId = `DL-${from}`;
  const parsed = parseWebhook(zapwMessage({ from, text: "fine", messageId: waId }));
  assert.ok(parsed.ok);
  // Written by an older version, before the webhook sanitised text: PostgreSQL refuses it.
  const event = { ...parsed.event, content: "bad\u0000" };
  await ensureIntakeGroup(env.deps.redis);
  await withLogLines(async (lines) => {
    await env.deps.redis.xadd(INTAKE_STREAM, "*", "e", JSON.stringify(event));
    const item = await eventually(async () => {
      const { items } = await failedItems(env.deps);
      return items.find((i) => i.queue === "inbound" && i.message_id === waId);
    }, { message: `a dead letter for ${waId}` });
    assert.equal(item.kind, "message");
    assert.match(item.last_error, /0x00|invalid byte sequence/);
    assert.ok(item.failed_at && !Number.isNaN(Date.parse(item.failed_at)), "failed_at is a time");
    const logged = lines.find((l) => l.level === "error" && l.message_id === waId);
    assert.ok(logged, `an error log line with the message id; saw ${JSON.stringify(lines)}`);
    assert.match(String(logged.reason), /0x00|invalid byte sequence/);
  });
});

// rules: R-INTAKE-9, R-DELIVERY-3
Deno.test("hostile input: an outbound reply dead-lettered after permanent failures is logged and listed with its message id and reason", async () => {
  const from = testPhone();
  await env.bridge.failSends(422, 3);
  await withLogLines(async (lines) => {
    await env.post(zapwMessage({ from, text: "fail me", messageId: `OF-${from}` }));
    const [reply] = await eventually(() =>
      env.deps.sql<{ id: number }[]>`
        SELECT r.id FROM messages r JOIN messages i ON i.id = r.reply_to_id
        WHERE i.whatsapp_message_id = ${`OF-${from}`} AND r.status = 'failed'`
        .then((rows) => rows.length ? rows : null), { message: "the reply marked failed" });
    const { items } = await failedItems(env.deps);
    const item = items.find((i) => i.queue === "outbound" && i.message_id === String(reply!.id));
    assert.ok(item, `an outbound dead letter for reply ${reply!.id}: ${JSON.stringify(items)}`);
    assert.match(item.last_error, /422/);
    assert.ok(item.failed_at && !Number.isNaN(Date.parse(item.failed_at)));
    const logged = lines.find((l) =>
      l.level === "error" && String(l.message_id) === String(reply!.id)
    );
    assert.ok(logged, `an error log line with the message id; saw ${JSON.stringify(lines)}`);
    assert.match(String(logged.reason), /422/);
  });
});

Deno.test("hostile input: one receipt ingest cannot store fails alone; the others of its batch are recorded", async () => {
  const good = `RG-${testPhone()}`;
  const bad = `RB-${testPhone()}\u0000`;
  await ensureIntakeGroup(env.deps.redis);
  // Both in one batch (one transaction, so ingest cannot read between them); the bad one first,
  // as written by an older version that did not refuse a NUL in an id.
  await env.deps.redis.multi()
    .xadd(INTAKE_STREAM, "*", "e", JSON.stringify({ kind: "status", waId: bad, status: "read" }))
    .xadd(INTAKE_STREAM, "*", "e", JSON.stringify({ kind: "status", waId: good, status: "read" }))
    .exec();
  const item = await eventually(async () => {
    const { items } = await failedItems(env.deps);
    return items.find((i) => i.queue === "inbound" && i.message_id === bad);
  }, { message: "the bad receipt dead-lettered under its own id" });
  assert.equal(item.kind, "status");
  // The good one was parked for its (not yet recorded) id, not dropped with the bad one.
  assert.equal(await env.deps.redis.get(`zapa:parked:${good}`), "3:read");
  const { items } = await failedItems(env.deps);
  assert.ok(!items.some((i) => i.message_id === good), "the good receipt is no dead letter");
});
