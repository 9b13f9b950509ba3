/**
 * The published request body of the webhook (R-WEBHOOK-2, R-WEBHOOK-5): the zapw and legacy
 * envelopes as JSON Schema, precise enough that every body it admits is acknowledged (200
 * accepted, duplicate or ignored) and refused bodies are the 400 `invalid_payload` ones. It is
 * written by hand as JSON Schema because it needs `const` branches per event type, and is kept
 * honest by webhook_body_test.ts, which parses generated admitted bodies with `parseWebhook`.
 */

/** A WhatsApp message id as zapw sends them (letters, digits, `.`, `_`, `:`, `-`). */
const WA_ID = { type: "string", pattern: "^[A-Za-z0-9._:-]{1,255}$" } as const;
/** A private-chat JID: a phone number's digits, an optional `:device`, `@s.whatsapp.net`. */
const USER_JID = {
  type: "string",
  pattern: "^[1-9][0-9]{7,14}(:[0-9]{1,3})?@s\\.whatsapp\\.net$",
} as const;
/** Text is taken whatever it holds: U+0000 and lone surrogates are stored as U+FFFD. */
const ANY_TEXT = { type: "string", pattern: "^[\\s\\S]{0,4096}$" } as const;
const SESSION_ID = { type: "string", pattern: "^[A-Za-z0-9._-]{1,100}$" } as const;

const RECEIPTS = ["message.sent", "message.delivered", "message.read"];
const KNOWN = [
  "message.received",
  ...RECEIPTS,
  "message.status",
  "message.failed",
  "session.connected",
  "session.disconnected",
  "connection.status",
];

const zapw = (eventType: unknown, data: Record<string, unknown>, required: string[]) => ({
  type: "object",
  required: ["eventType", "data"],
  properties: {
    sessionId: SESSION_ID,
    eventType,
    data: { type: "object", required, properties: data },
  },
});

const legacy = (eventType: unknown, data: Record<string, unknown>, required: string[]) => ({
  type: "object",
  required: ["event_type", "data"],
  properties: {
    event_type: eventType,
    data: { type: "object", required, properties: data },
  },
});

export const WEBHOOK_BODY_SCHEMA = {
  description: "A zapw envelope (camelCase) or a legacy one (snake_case). Any other well-formed " +
    "event type is answered 200 ignored; a body matching none of these is 400 invalid_payload.",
  oneOf: [
    zapw({ const: "message.received" }, {
      messageId: WA_ID,
      from: USER_JID,
      to: USER_JID,
      text: ANY_TEXT,
    }, ["messageId", "from"]),
    zapw({ enum: RECEIPTS }, { messageId: WA_ID }, ["messageId"]),
    zapw({ const: "message.status" }, { messageId: WA_ID, status: { enum: [2, 3, 4] } }, [
      "messageId",
      "status",
    ]),
    zapw({ enum: ["session.connected", "session.disconnected"] }, {}, []),
    // Any other event type: acknowledged and ignored (no lookahead: generators cannot use one).
    zapw({ type: "string", minLength: 1, maxLength: 64, not: { enum: KNOWN } }, {}, []),
    legacy({ const: "message.received" }, {
      message_id: WA_ID,
      from_number: { type: "string", pattern: "^\\+[1-9][0-9]{7,14}$" },
      to_number: { type: "string", pattern: "^\\+[1-9][0-9]{7,14}$" },
      text: ANY_TEXT,
    }, ["message_id", "from_number"]),
    legacy({ enum: [...RECEIPTS, "message.failed"] }, { message_id: WA_ID }, ["message_id"]),
  ],
} as const;
