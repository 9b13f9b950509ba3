/**
 * The published webhook schemas (`spec/events/`) and Zapa's parser agree: every sample the
 * schemas admit, in both envelopes, is parsed into the event it names, and samples the schemas
 * refuse for a missing id or sender are refused by the parser too. The schemas are read as the
 * data they are (a reimplementer has the same files), not through the harness's loader.
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parseWebhook } from "./webhook_event.ts";

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
for (const name of ["zapw", "legacy", "webhook"]) {
  ajv.addSchema(JSON.parse(
    await Deno.readTextFile(new URL(`../../spec/events/${name}.schema.json`, import.meta.url)),
  ));
}

/** The validator of `spec/events/<name>.schema.json`; its errors as one readable line. */
function schema(name: string) {
  const validate = ajv.getSchema(`https://zapa.example/spec/events/${name}.schema.json`)!;
  return Object.assign((sample: unknown) => validate(sample), {
    errors: () => (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join("; "),
  });
}

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const zapw = (eventType: string, data: Record<string, unknown>) => ({
  sessionId: "main",
  origin: "1234567890",
  eventType,
  timestamp: T,
  data,
});
const legacy = (event_type: string, data: Record<string, unknown>) => ({
  event_type,
  timestamp: new Date(T).toISOString(),
  data,
});

/** [schema, sample, the parsed kind and a field to compare]. */
const VALID: [string, unknown, string, Record<string, unknown>][] = [
  [
    "zapw",
    zapw("message.received", {
      from: "15550001111:3@s.whatsapp.net",
      to: "1234567890:12@s.whatsapp.net",
      messageId: "3EB0A1",
      timestamp: T,
      isGroup: false,
      type: "text",
      text: "hi",
    }),
    "message",
    { from: "+15550001111", to: "+1234567890", content: "hi" },
  ],
  [
    "zapw",
    zapw("message.received", {
      from: "15550001111@s.whatsapp.net",
      to: "1234567890:12@s.whatsapp.net",
      messageId: "3EB0A2",
      timestamp: T,
      isGroup: true,
      groupId: "120363000000000001@g.us",
      type: "image",
      caption: "look",
      hasMedia: true,
    }),
    "message",
    { isGroup: true, caption: "look", type: "image" },
  ],
  ["zapw", zapw("message.read", { messageId: "3EB0A3", status: 4 }), "status", {
    status: "read",
  }],
  ["zapw", zapw("session.disconnected", { reason: "connection_lost" }), "session", {
    connected: false,
  }],
  [
    "legacy",
    legacy("message.received", {
      from_number: "+15550001111",
      to_number: "+1234567890",
      message_id: "L-1",
      text: "hello",
    }),
    "message",
    { from: "+15550001111", legacy: true, content: "hello" },
  ],
  [
    "legacy",
    legacy("message.received", {
      from_number: "15550001111",
      message_id: "L-2",
      media_url: "https://example.com/a.jpg",
      media_type: "image",
      text: "a caption",
    }),
    "message",
    { type: "image", caption: "a caption" },
  ],
  ["legacy", legacy("message.delivered", { message_id: "L-3" }), "status", {
    status: "delivered",
  }],
  ["legacy", legacy("message.failed", { message_id: "L-4", error: "blocked" }), "status", {
    status: "failed",
  }],
  ["legacy", legacy("session.connected", { phone_number: "1234567890" }), "session", {
    connected: true,
  }],
  ["legacy", legacy("connection.status", { status: "connected" }), "session", {
    connected: true,
  }],
];

const INVALID: [string, unknown][] = [
  ["zapw", zapw("message.received", { from: "15550001111@s.whatsapp.net", isGroup: false })],
  ["zapw", zapw("message.sent", { status: 2 })],
  ["legacy", legacy("message.received", { message_id: "L-9", text: "no sender" })],
  ["legacy", legacy("message.read", {})],
];

// rules: R-WEBHOOK-2, R-WEBHOOK-3, R-WEBHOOK-6, R-WEBHOOK-7
Deno.test("webhook schema: every sample spec/events admits is parsed by Zapa as the event it names", () => {
  for (const [name, sample, kind, fields] of VALID) {
    const validate = schema(name);
    assert.ok(validate(sample), `${name}: ${validate.errors()}`);
    assert.ok(schema("webhook")(sample), "webhook.schema.json");
    const parsed = parseWebhook(sample, T + 1000);
    assert.ok(parsed.ok, `Zapa refused a schema-valid sample: ${JSON.stringify(sample)}`);
    assert.equal(parsed.event.kind, kind);
    for (const [key, value] of Object.entries(fields)) {
      assert.equal((parsed.event as unknown as Record<string, unknown>)[key], value, key);
    }
  }
});

// rules: R-WEBHOOK-5
Deno.test("webhook schema: samples without an id or a sender fail the schema and Zapa's parser alike", () => {
  for (const [name, sample] of INVALID) {
    assert.equal(schema(name)(sample), false);
    assert.deepEqual(parseWebhook(sample, T), { ok: false, reason: "invalid_payload" });
  }
});
