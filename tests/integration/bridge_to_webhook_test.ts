/**
 * Integration, bridge → private webhook (R-WEBHOOK-*): both envelope shapes posted straight
 * to `POST /api/v1/webhooks/whatsapp` with the stack's webhook secret, the secret check in the
 * header and in the query string, duplicates, receipts moving `messages.status` forward only,
 * session events, unknown types, malformed bodies and JID normalisation.
 */
import assert from "node:assert/strict";
import { eventually } from "../../lib/eventually.ts";
import { bridgeControl, privateApi, uniquePhone, waitForReply } from "../../lib/fixtures.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";
import {
  jid,
  legacyMessage,
  postWebhook,
  storedMessages,
  uniqueWaId,
  withSql,
  zapwMessage,
} from "./helpers.ts";

const LOGS = () => logTail(["private", "bridge"]);
const UNAUTHORIZED = { status: "error", error: "unauthorized" };
const INVALID = { status: "error", error: "invalid_payload" };

/** The inbound row with this WhatsApp id, once ingest has stored it. */
function storedRow(phone: string, waId: string) {
  return eventually(async () => {
    const rows = await storedMessages(phone);
    return rows.find((m) => m.whatsapp_message_id === waId);
  }, { timeoutMs: 10_000, message: `the stored row of ${waId} for ${phone}`, onTimeout: LOGS });
}

// rules: R-WEBHOOK-2, R-WEBHOOK-3, R-WEBHOOK-4
suiteTest(
  "integration: a zapw webhook with device JIDs is stored under the normalised sender and answered",
  { needs: ["webhook_secret"] },
  async () => {
    const phone = uniquePhone();
    const digits = phone.slice(1);
    const since = await bridgeControl.lastSeq();
    // `to` is the system number's own JID with a `:device` suffix, as zapw sends it.
    const body = zapwMessage({
      from: `${digits}:7@s.whatsapp.net`,
      to: `${target.system_number.slice(1)}:12@s.whatsapp.net`,
      text: "zapw shape  <kept> exactly ",
    });
    const waId = (body.data as { messageId: string }).messageId;
    const r = await postWebhook(body);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { status: "accepted", message_id: waId });

    const row = await storedRow(phone, waId);
    assert.equal(row.direction, "inbound");
    assert.equal(row.content, "zapw shape  <kept> exactly ");
    assert.equal(row.message_type, "text");
    // Addressed to the system number once the device suffix is dropped, so it is answered.
    const reply = await waitForReply(phone, since);
    assert.equal(reply.to.replace(/\D/g, ""), digits);
  },
);

// rules: R-WEBHOOK-2
suiteTest(
  "integration: a legacy webhook is stored and answered like a zapw one",
  { needs: ["webhook_secret"] },
  async () => {
    const phone = uniquePhone();
    const since = await bridgeControl.lastSeq();
    const body = legacyMessage({ from: phone, text: "legacy shape" });
    const waId = (body.data as { message_id: string }).message_id;
    const r = await postWebhook(body, "header");
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { status: "accepted", message_id: waId });
    const row = await storedRow(phone, waId);
    assert.equal(row.content, "legacy shape");
    assert.equal(row.direction, "inbound");
    await waitForReply(phone, since);
  },
);

// rules: R-WEBHOOK-1
suiteTest(
  "integration: the webhook refuses a missing or wrong secret in the header and the query",
  { needs: ["webhook_secret"] },
  async () => {
    const phone = uniquePhone();
    const refused = [
      ["no secret", privateApi.webhook(zapwMessage({ from: phone, text: "no secret" }))],
      [
        "wrong header",
        privateApi.webhook(zapwMessage({ from: phone, text: "wrong header" }), {
          secret: `${target.webhook_secret}x`,
          header: true,
        }),
      ],
      [
        "wrong query",
        privateApi.webhook(zapwMessage({ from: phone, text: "wrong query" }), {
          secret: "wrong",
        }),
      ],
      [
        "empty header",
        privateApi.raw("POST", "/api/v1/webhooks/whatsapp", {
          body: zapwMessage({ from: phone, text: "empty header" }),
          headers: { "X-Webhook-Secret": "" },
          token: null,
        }),
      ],
    ] as const;
    for (const [label, pending] of refused) {
      const r = await pending;
      assert.equal(r.status, 401, `${label}: ${r.text}`);
      assert.deepEqual(r.json, UNAUTHORIZED, label);
    }
    // The right secret in the header and in the query both pass; only those two rows exist.
    const viaHeader = zapwMessage({ from: phone, text: "right header", to: jid("+15550000000") });
    const viaQuery = zapwMessage({ from: phone, text: "right query", to: jid("+15550000000") });
    assert.equal((await postWebhook(viaHeader, "header")).status, 200);
    assert.equal((await postWebhook(viaQuery, "query")).status, 200);
    const rows = await eventually(async () => {
      const all = await storedMessages(phone);
      return all.length >= 2 ? all : null;
    }, { message: `two stored rows for ${phone}`, onTimeout: LOGS });
    assert.deepEqual(rows.map((m) => m.content).sort(), ["right header", "right query"]);
  },
);

// rules: R-INTAKE-3, R-WEBHOOK-5
suiteTest(
  "integration: a reused WhatsApp id is a duplicate: one row and one reply",
  { needs: ["webhook_secret"] },
  async () => {
    const phone = uniquePhone();
    const since = await bridgeControl.lastSeq();
    const body = zapwMessage({ from: phone, text: "say this once" });
    const waId = (body.data as { messageId: string }).messageId;
    const first = await postWebhook(body);
    assert.deepEqual(first.json, { status: "accepted", message_id: waId });
    for (const via of ["query", "header"] as const) {
      const again = await postWebhook(body, via);
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, { status: "duplicate", message_id: waId });
    }
    // The same id in the legacy shape is the same message.
    const legacy = await postWebhook(legacyMessage({ from: phone, messageId: waId }));
    assert.deepEqual(legacy.json, { status: "duplicate", message_id: waId });

    // Prove "one reply" by order: a later control message's reply is the second send.
    await waitForReply(phone, since);
    const control = zapwMessage({ from: phone, text: "control message" });
    await postWebhook(control);
    const sent = await bridgeControl.waitForSent({ to: phone, since, count: 2, timeoutMs: 20_000 });
    const after = await bridgeControl.sent({ to: phone, since });
    assert.equal(after.items.length, 2, `expected 2 sends, saw ${JSON.stringify(after.items)}`);
    assert.ok(sent[1]!.seq > sent[0]!.seq);
    const rows = await storedMessages(phone);
    const inbound = rows.filter((m) => m.direction === "inbound");
    assert.equal(inbound.filter((m) => m.whatsapp_message_id === waId).length, 1);
    assert.equal(inbound.length, 2, JSON.stringify(inbound.map((m) => m.content)));
  },
);

// rules: R-WEBHOOK-6
// tier: internal — reads messages.status of our schema
suiteTest(
  "integration: receipts move messages.status forward only, in both envelope shapes",
  { needs: ["webhook_secret", "database"] },
  async () => {
    const phone = uniquePhone();
    // A user of our own (stored only: addressed to another number), then an outbound row of
    // ours with a WhatsApp id we control. `sent` rows are never picked up by delivery.
    const seed = zapwMessage({ from: phone, text: "seed", to: jid("+15550000001") });
    await postWebhook(seed);
    await storedRow(phone, (seed.data as { messageId: string }).messageId);
    // Outbound rows of ours with WhatsApp ids we control: `sent` rows are never picked up by
    // delivery, so only our receipts move them.
    const probeRow = async () => {
      const id = uniqueWaId("ST");
      await withSql((sql) =>
        sql`INSERT INTO messages (user_id, direction, content, status, whatsapp_message_id)
            SELECT id, 'outbound', 'receipt probe', 'sent', ${id} FROM users
            WHERE phone_number = ${phone}`
      );
      return id;
    };
    const statusOf = (id: string) =>
      withSql(async (sql) =>
        (await sql`SELECT status FROM messages WHERE whatsapp_message_id = ${id}`)[0]?.status
      );
    const zapwReceipt = (id: string, eventType: string, code: number) => ({
      sessionId: target.session_id,
      origin: "integration-test",
      eventType,
      timestamp: Date.now(),
      data: { messageId: id, status: code },
    });
    const legacyReceipt = (id: string, eventType: string) => ({
      event_type: eventType,
      timestamp: new Date().toISOString(),
      data: { message_id: id, from_number: target.system_number, to_number: phone },
    });
    const waId = await probeRow();
    const steps: Array<[string, Record<string, unknown>, string]> = [
      ["zapw delivered", zapwReceipt(waId, "message.delivered", 3), "delivered"],
      ["zapw sent after delivered", zapwReceipt(waId, "message.sent", 2), "delivered"],
      ["legacy read", legacyReceipt(waId, "message.read"), "read"],
      ["legacy delivered after read", legacyReceipt(waId, "message.delivered"), "read"],
      ["zapw delivered after read", zapwReceipt(waId, "message.delivered", 3), "read"],
    ];
    for (const [label, body, expected] of steps) {
      const r = await postWebhook(body);
      assert.equal(r.status, 200, `${label}: ${r.text}`);
      assert.ok(["accepted", "duplicate"].includes(r.json.status as string), `${label}: ${r.text}`);
      // Receipts are applied after the acknowledgement. A backward step changes nothing, so
      // wait for a later fact instead: a fresh sentinel row's receipt, posted after this one.
      const sentinel = await probeRow();
      await postWebhook(zapwReceipt(sentinel, "message.delivered", 3));
      await eventually(async () => (await statusOf(sentinel)) === "delivered", {
        message: `${label}: the sentinel receipt applied`,
        onTimeout: LOGS,
      });
      const seen = await eventually(async () => {
        const now = await statusOf(waId);
        return now === expected ? now : null;
      }, {
        timeoutMs: 5_000,
        message: `${label}: status ${expected}`,
        onTimeout: async () => `status is ${await statusOf(waId)}\n${await LOGS()}`,
      });
      assert.equal(seen, expected, label);
    }
  },
);

// rules: R-WEBHOOK-5, R-WEBHOOK-7
suiteTest(
  "integration: session events are accepted with their event type",
  { needs: ["webhook_secret"] },
  async () => {
    // A throwaway session id: the stack's own session is never touched.
    const sessionId = `itest-${uniqueWaId("S").toLowerCase()}`;
    const envelope = (eventType: string, data: Record<string, unknown>) => ({
      sessionId,
      origin: "integration-test",
      eventType,
      timestamp: Date.now(),
      data,
    });
    const sessionRow = (status: string) =>
      eventually(() =>
        withSql(async (sql) =>
          (await sql`SELECT status, session_type FROM sessions
                     WHERE bridge_session_id = ${sessionId} AND status = ${status}`)[0]
        ), { message: `sessions row of ${sessionId} with status ${status}`, onTimeout: LOGS });

    const connected = await postWebhook(
      envelope("session.connected", { phoneNumber: "15550001111", name: "Probe" }),
    );
    assert.equal(connected.status, 200, connected.text);
    assert.deepEqual(connected.json, { status: "accepted", event_type: "session.connected" });
    // Session events are handled after the acknowledgement: wait for each one's effect, as a
    // real bridge's events are seconds apart.
    if (target.database) assert.equal((await sessionRow("connected")).session_type, "user");

    const disconnected = await postWebhook(envelope("session.disconnected", { reason: "test" }));
    assert.deepEqual(disconnected.json, {
      status: "accepted",
      event_type: "session.disconnected",
    });
    if (target.database) await sessionRow("disconnected");
  },
);

// rules: R-WEBHOOK-5
suiteTest(
  "integration: unknown event types are ignored, in both envelope shapes",
  { needs: ["webhook_secret"] },
  async () => {
    const bodies = [
      {
        sessionId: target.session_id,
        eventType: "presence.update",
        timestamp: Date.now(),
        data: {},
      },
      { event_type: "typing.started", timestamp: new Date().toISOString(), data: {} },
    ];
    for (const body of bodies) {
      const r = await postWebhook(body);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { status: "ignored", reason: "unknown_event_type" });
    }
  },
);

// rules: R-WEBHOOK-5
suiteTest(
  "integration: malformed webhook bodies get 400 invalid_payload, never a 5xx",
  { needs: ["webhook_secret"] },
  async () => {
    const url = `/api/v1/webhooks/whatsapp?secret=${encodeURIComponent(target.webhook_secret!)}`;
    const raw = (body: string) =>
      privateApi.raw("POST", url, {
        rawBody: body,
        headers: { "Content-Type": "application/json" },
        token: null,
      });
    const cases: Array<[string, () => ReturnType<typeof raw>]> = [
      ["not JSON", () => raw("{not json")],
      ["a JSON array", () => raw("[1,2,3]")],
      ["a JSON string", () => raw('"message.received"')],
      ["no event type", () => raw(JSON.stringify({ data: { from: "1" } }))],
      [
        "message without messageId",
        () =>
          postWebhook({
            ...zapwMessage({ from: uniquePhone() }),
            data: { from: jid("+15550000002"), text: "x" },
          }),
      ],
      [
        "message without sender",
        () =>
          postWebhook({
            ...zapwMessage({ from: uniquePhone() }),
            data: { messageId: uniqueWaId(), text: "x" },
          }),
      ],
      [
        "legacy without from_number",
        () =>
          postWebhook({
            event_type: "message.received",
            data: { message_id: uniqueWaId(), text: "x" },
          }),
      ],
      [
        "receipt without messageId",
        () => postWebhook({ sessionId: "main", eventType: "message.delivered", data: {} }),
      ],
      ["data is a string", () => postWebhook({ eventType: "message.received", data: "oops" })],
    ];
    for (const [label, send] of cases) {
      const r = await send();
      assert.equal(r.status, 400, `${label}: expected 400, saw ${r.status} ${r.text}`);
      assert.deepEqual(r.json, INVALID, label);
    }
  },
);
