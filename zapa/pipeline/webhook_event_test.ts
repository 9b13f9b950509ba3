import assert from "node:assert/strict";
import { answerDue, type InboundMessage, messageTime, parseWebhook } from "./webhook_event.ts";

const settings = { systemNumber: "+1234567890", sessionId: "main" };
const NOW = Date.UTC(2026, 0, 1);

function zapw(data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { sessionId: "main", origin: "1234567890", eventType: "message.received", data, ...extra };
}

function message(body: unknown): InboundMessage {
  const r = parseWebhook(body, NOW);
  assert.ok(r.ok, `expected a parsed event, got ${JSON.stringify(r)}`);
  assert.equal(r.event.kind, "message");
  return r.event as InboundMessage;
}

// rules: R-WEBHOOK-3
Deno.test("webhook event: JIDs drop the domain and device suffix and get a +", async (t) => {
  const cases: [string, string][] = [
    ["1234567890:12@s.whatsapp.net", "+1234567890"],
    ["15551234567@s.whatsapp.net", "+15551234567"],
    ["+15551234567", "+15551234567"],
    ["447700900123@c.us", "+447700900123"],
  ];
  for (const [jid, phone] of cases) {
    await t.step(jid, () => {
      const m = message(
        zapw({ from: jid, to: "1234567890:3@s.whatsapp.net", messageId: "X", text: "hi" }),
      );
      assert.equal(m.from, phone);
      assert.equal(m.to, "+1234567890");
      assert.equal(m.senderJid, jid);
    });
  }
});

// rules: R-WEBHOOK-2
Deno.test("webhook event: zapw text message is parsed with its WhatsApp time", () => {
  const m = message(zapw({
    from: "15551234567@s.whatsapp.net",
    to: "1234567890:12@s.whatsapp.net",
    messageId: "3EB0ABC",
    timestamp: NOW - 5_000,
    isGroup: false,
    type: "text",
    text: "<b>hello</b> & bye",
  }));
  assert.equal(m.waId, "3EB0ABC");
  assert.equal(m.content, "<b>hello</b> & bye");
  assert.equal(m.type, "text");
  assert.equal(m.timestamp, NOW - 5_000);
  assert.equal(m.legacy, false);
  assert.deepEqual(m.metadata, { is_group: false });
});

// rules: R-WEBHOOK-3
Deno.test("webhook event: group JIDs go raw into metadata.group_id", () => {
  const m = message(zapw({
    from: "15551234567@s.whatsapp.net",
    to: "1234567890:12@s.whatsapp.net",
    messageId: "G1",
    isGroup: true,
    groupId: "120363025@g.us",
    text: "hello group",
  }));
  assert.equal(m.isGroup, true);
  assert.equal(m.metadata.group_id, "120363025@g.us");
  assert.equal(answerDue(m, settings), false);
});

// rules: R-WEBHOOK-2
Deno.test("webhook event: the legacy envelope is accepted", () => {
  const m = message({
    event_type: "message.received",
    timestamp: new Date(NOW - 1_000).toISOString(),
    data: { from_number: "+15551234567", to_number: "+1234567890", message_id: "L1", text: "hi" },
  });
  assert.equal(m.legacy, true);
  assert.equal(m.from, "+15551234567");
  assert.equal(m.timestamp, NOW - 1_000);
  assert.equal(answerDue(m, settings), true);
});

// rules: R-WEBHOOK-5
Deno.test("webhook event: malformed bodies are invalid, unknown types ignored", async (t) => {
  const invalid: [string, unknown][] = [
    ["null", null],
    ["array", []],
    ["no type", { data: {} }],
    ["no messageId", zapw({ from: "15551234567@s.whatsapp.net", text: "x" })],
    ["no from", zapw({ messageId: "A", text: "x" })],
    ["from without digits", zapw({ from: "abc@s.whatsapp.net", messageId: "A" })],
    ["data not an object", { eventType: "message.received", data: "x" }],
    ["receipt without id", { eventType: "message.sent", data: {} }],
  ];
  for (const [name, body] of invalid) {
    await t.step(
      name,
      () => assert.deepEqual(parseWebhook(body), { ok: false, reason: "invalid_payload" }),
    );
  }
  await t.step("unknown event type", () => {
    assert.deepEqual(parseWebhook({ eventType: "presence.update", data: {} }), {
      ok: false,
      reason: "unknown_event_type",
    });
  });
});

// rules: R-WEBHOOK-6
Deno.test("webhook event: receipts map to sent, delivered, read and failed", () => {
  const cases: [unknown, string][] = [
    [{ eventType: "message.sent", data: { messageId: "A", status: 2 } }, "sent"],
    [{ eventType: "message.delivered", data: { messageId: "A", status: 3 } }, "delivered"],
    [{ eventType: "message.read", data: { messageId: "A", status: 4 } }, "read"],
    [{ event_type: "message.failed", data: { message_id: "A" } }, "failed"],
  ];
  for (const [body, status] of cases) {
    const r = parseWebhook(body);
    assert.ok(r.ok && r.event.kind === "status");
    assert.equal(r.event.status, status);
    assert.equal(r.event.waId, "A");
  }
});

// rules: R-WEBHOOK-7
Deno.test("webhook event: session events say whether the session is connected", () => {
  const up = parseWebhook({
    sessionId: "main",
    eventType: "session.connected",
    data: { phoneNumber: "1234567890" },
  });
  assert.ok(up.ok && up.event.kind === "session" && up.event.connected);
  const down = parseWebhook({
    sessionId: "main",
    eventType: "session.disconnected",
    data: { reason: "x" },
  });
  assert.ok(down.ok && down.event.kind === "session" && !down.event.connected);
  const legacy = parseWebhook({ event_type: "connection.status", data: { status: "connected" } });
  assert.ok(legacy.ok && legacy.event.kind === "session" && legacy.event.connected);
});

// rules: R-SILENCE-1, R-SILENCE-2, R-SILENCE-3
Deno.test("webhook event: the four answer rules", async (t) => {
  const base = { from: "15551234567@s.whatsapp.net", messageId: "R" };
  const cases: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    [
      "text to the system number",
      { ...base, to: "1234567890:12@s.whatsapp.net", text: "hi" },
      {},
      true,
    ],
    [
      "text to another number",
      { ...base, to: "19998887777@s.whatsapp.net", text: "hi" },
      {},
      false,
    ],
    ["no to, our session", { ...base, text: "hi" }, {}, true],
    ["no to, another session", { ...base, text: "hi" }, { sessionId: "other" }, false],
    ["group message", { ...base, text: "hi", isGroup: true, groupId: "1@g.us" }, {}, false],
    ["blank text", { ...base, text: "   " }, {}, false],
    ["image with caption", { ...base, type: "image", caption: "look", hasMedia: true }, {}, true],
    ["image without caption", { ...base, type: "image", hasMedia: true }, {}, false],
    ["audio", { ...base, type: "audio", hasMedia: true }, {}, false],
    ["location", { ...base, type: "location", location: { latitude: 1 } }, {}, false],
  ];
  for (const [name, data, extra, due] of cases) {
    await t.step(name, () => assert.equal(answerDue(message(zapw(data, extra)), settings), due));
  }
});

Deno.test("webhook event: message time accepts ms, seconds and ISO, else the receipt time", () => {
  assert.equal(messageTime(NOW - 10, undefined, NOW), NOW - 10);
  assert.equal(messageTime((NOW - 10_000) / 1000, undefined, NOW), NOW - 10_000);
  assert.equal(messageTime(undefined, new Date(NOW - 3).toISOString(), NOW), NOW - 3);
  assert.equal(messageTime(5, undefined, NOW), NOW);
  assert.equal(messageTime(NOW + 10 * 86_400_000, undefined, NOW), NOW);
  assert.equal(messageTime("garbage", null, NOW), NOW);
});

const FROM = "15551234567@s.whatsapp.net";
const TO = "1234567890:12@s.whatsapp.net";

// rules: R-WEBHOOK-8
Deno.test("webhook event: NUL and lone surrogates in text, caption and names become U+FFFD, flagged sanitized", () => {
  const m = message(zapw({
    from: FROM,
    to: TO,
    messageId: "S1",
    type: "image",
    text: "a\u0000b\ud800c",
    caption: "\udfffcap\u0000",
    fileName: "f\u0000.png",
    location: { latitude: 1, longitude: 2, name: "n\ud83d", address: ["x\u0000"] },
    contact: { "na\u0000me": "c\u0000" },
  }));
  assert.equal(m.content, "a\ufffdb\ufffdc");
  assert.equal(m.caption, "\ufffdcap\ufffd");
  assert.equal(m.metadata.file_name, "f\ufffd.png");
  assert.deepEqual(m.metadata.location, {
    latitude: 1,
    longitude: 2,
    name: "n\ufffd",
    address: ["x\ufffd"],
  });
  assert.deepEqual(m.metadata.contact, { "na\ufffdme": "c\ufffd" });
  assert.equal(m.metadata.sanitized, true);
  // Still answered: the replacement characters are text.
  assert.ok(answerDue(m, settings));
  // Well-formed text, emoji and right-to-left marks are kept as they are, and not flagged.
  const clean = message(zapw({ from: FROM, to: TO, messageId: "S2", text: "\u{1F600}\u200f x" }));
  assert.equal(clean.content, "\u{1F600}\u200f x");
  assert.equal(clean.metadata.sanitized, undefined);
});

Deno.test("webhook event: ids, JIDs and session ids PostgreSQL cannot hold are invalid_payload", async (t) => {
  const cases: [string, unknown][] = [
    ["NUL in messageId", zapw({ from: FROM, to: TO, messageId: "A\u0000", text: "x" })],
    ["lone surrogate in messageId", zapw({ from: FROM, to: TO, messageId: "A\ud800", text: "x" })],
    ["NUL in from", zapw({ from: `15551234567\u0000@s.whatsapp.net`, messageId: "A" })],
    ["NUL in to", zapw({ from: FROM, to: "1\u0000@s.whatsapp.net", messageId: "A" })],
    ["lone surrogate in groupId", zapw({ from: FROM, messageId: "A", groupId: "1\udc00@g.us" })],
    ["NUL in sessionId", zapw({ from: FROM, messageId: "A" }, { sessionId: "main\u0000" })],
    ["NUL in a receipt id", { eventType: "message.read", data: { messageId: "A\u0000" } }],
    ["lone surrogate in a legacy receipt id", {
      event_type: "message.failed",
      data: { message_id: "\ud800" },
    }],
    ["NUL in a session event's id", {
      sessionId: "x\u0000",
      eventType: "session.connected",
      data: {},
    }],
    ["a session id longer than 100", {
      sessionId: "s".repeat(101),
      eventType: "session.disconnected",
      data: {},
    }],
    [
      "location nested too deep",
      zapw({
        from: FROM,
        messageId: "A",
        location: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`),
      }),
    ],
  ];
  for (const [name, body] of cases) {
    await t.step(
      name,
      () => assert.deepEqual(parseWebhook(body), { ok: false, reason: "invalid_payload" }),
    );
  }
});

// rules: R-WEBHOOK-8
Deno.test("webhook event: session names and reasons are sanitised too", () => {
  const r = parseWebhook({
    sessionId: "main",
    eventType: "session.connected",
    data: { phoneNumber: "1234567890", name: "Zapa\u0000\ud800" },
  });
  assert.ok(r.ok && r.event.kind === "session");
  assert.equal(r.event.name, "Zapa\ufffd\ufffd");
});
