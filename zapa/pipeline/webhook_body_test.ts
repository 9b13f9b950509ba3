import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { WEBHOOK_BODY_SCHEMA } from "./webhook_body.ts";
import { parseWebhook } from "./webhook_event.ts";

const validate = new Ajv2020({ strict: false }).compile(WEBHOOK_BODY_SCHEMA);
const jid = "15551234567:12@s.whatsapp.net";

const admitted: unknown[] = [
  { eventType: "message.received", data: { messageId: "A1", from: jid } },
  {
    eventType: "message.received",
    data: { messageId: "A.2", from: jid, to: jid, text: "a\u0000\ud800" },
  },
  { sessionId: "main", eventType: "message.read", data: { messageId: "W:3" } },
  { eventType: "message.status", data: { messageId: "W-4", status: 3 } },
  { eventType: "session.connected", data: {} },
  { eventType: "presence.update", data: {} },
  { event_type: "message.received", data: { message_id: "L1", from_number: "+15551234567" } },
  { event_type: "message.failed", data: { message_id: "L2" } },
];
const refused: unknown[] = [
  {},
  { eventType: "message.received", data: {} },
  { eventType: "message.received", data: { messageId: "A1", from: "abc@s.whatsapp.net" } },
  { eventType: "message.status", data: { messageId: "W", status: 9 } },
  { eventType: "", data: {} },
  { event_type: "message.received", data: { message_id: "L1" } },
];

// rules: R-WEBHOOK-2, R-WEBHOOK-5
Deno.test("webhook body: what the published schema admits is acknowledged, what it refuses is invalid_payload", () => {
  for (const body of admitted) {
    assert.ok(validate(body), `admitted by the schema: ${JSON.stringify(body)}`);
    const parsed = parseWebhook(body);
    assert.ok(
      parsed.ok || parsed.reason === "unknown_event_type",
      `acknowledged by Zapa: ${JSON.stringify(body)} → ${JSON.stringify(parsed)}`,
    );
  }
  for (const body of refused) {
    assert.ok(!validate(body), `refused by the schema: ${JSON.stringify(body)}`);
    const parsed = parseWebhook(body);
    assert.ok(!parsed.ok && parsed.reason === "invalid_payload", JSON.stringify(body));
  }
});
