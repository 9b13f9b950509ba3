import assert from "node:assert/strict";
import { checkInbound, checkSend, toJid } from "./validate.ts";

const sendErrors: [string, unknown, string][] = [
  ["not an object", "x", 'Recipient "to" is required'],
  ["missing to", { type: "text", text: "x" }, 'Recipient "to" is required'],
  [
    "to of the wrong type",
    { to: 15551234567, type: "text", text: "x" },
    'Recipient "to" is required',
  ],
  ["to without digits", { to: "abc", type: "text", text: "x" }, 'Recipient "to" is required'],
  ["missing type", { to: "1555" }, "Message type is required"],
  ["missing text", { to: "1555", type: "text" }, "Text is required for text messages"],
  ["empty text", { to: "1555", type: "text", text: "" }, "Text is required for text messages"],
  [
    "text of the wrong type",
    { to: "1555", type: "text", text: 5 },
    "Text is required for text messages",
  ],
  ["media without source", { to: "1555", type: "image" }, "Media URL or base64 is required"],
  [
    "document without fileName",
    { to: "1555", type: "document", mediaUrl: "http://x/y.pdf" },
    "File name is required for documents",
  ],
  [
    "location without longitude",
    { to: "1555", type: "location", latitude: 1 },
    "Latitude and longitude are required for location messages",
  ],
  [
    "location as strings",
    { to: "1555", type: "location", latitude: "1", longitude: "2" },
    "Latitude and longitude are required for location messages",
  ],
  [
    "contact without number",
    { to: "1555", type: "contact", contactName: "A" },
    "Contact name and number are required for contact messages",
  ],
  ["unknown type", { to: "1555", type: "sticker" }, "Unknown message type: sticker"],
  [
    "caption of the wrong type",
    { to: "1555", type: "image", mediaUrl: "u", caption: 1 },
    'Field "caption" must be a string',
  ],
];

for (const [name, body, error] of sendErrors) {
  // rules: R-BRIDGE-4
  Deno.test(`mock bridge validation: a send with ${name} is refused with zapw's text`, () => {
    assert.deepEqual(checkSend(body), { ok: false, error });
  });
}

const sendOk: [string, Record<string, unknown>][] = [
  ["text", { to: "+1 555 123", type: "text", text: "hi" }],
  ["image with caption", { to: "1555", type: "image", mediaUrl: "http://x/a.png", caption: "c" }],
  ["video from base64", { to: "1555", type: "video", mediaBase64: "AAAA" }],
  ["audio", { to: "1555", type: "audio", mediaUrl: "http://x/a.ogg" }],
  ["document", { to: "1555", type: "document", mediaBase64: "AAAA", fileName: "a.pdf" }],
  ["location", { to: "1555", type: "location", latitude: -23.5, longitude: -46.6, name: "SP" }],
  ["contact", { to: "1555", type: "contact", contactName: "Ann", contactNumber: "+1 555" }],
];

for (const [name, body] of sendOk) {
  // rules: R-BRIDGE-4
  Deno.test(`mock bridge validation: a ${name} send is accepted`, () => {
    const r = checkSend(body);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.type, body.type);
  });
}

Deno.test("mock bridge validation: JIDs are the digits plus @s.whatsapp.net; JIDs pass through", () => {
  assert.equal(toJid("+1 (555) 123-4567"), "15551234567@s.whatsapp.net");
  assert.equal(toJid("123@g.us"), "123@g.us");
});

Deno.test("mock bridge validation: inbound defaults to text and keeps blank text", () => {
  const r = checkInbound({ from: "+15550001111", text: "   " });
  assert.ok(r.ok);
  assert.equal(r.value.type, "text");
  assert.equal(r.value.text, "   ");
  assert.equal(r.value.isGroup, false);
});

Deno.test("mock bridge validation: inbound with a groupId is a group message", () => {
  const r = checkInbound({ from: "1555", text: "x", groupId: "120363@g.us" });
  assert.ok(r.ok && r.value.isGroup);
});

const inboundErrors: [string, unknown, RegExp][] = [
  ["not an object", [1], /JSON object/],
  ["no from", { text: "x" }, /from is required/],
  ["from without digits", { from: "abc", text: "x" }, /from is required/],
  ["an unknown type", { from: "1555", type: "poll" }, /type must be one of/],
  ["text missing", { from: "1555" }, /text is required/],
  ["text of the wrong type", { from: "1555", text: 1 }, /text must be a string/],
  [
    "isGroup of the wrong type",
    { from: "1555", text: "x", isGroup: "yes" },
    /isGroup must be a boolean/,
  ],
  ["location without coordinates", { from: "1555", type: "location", location: {} }, /latitude/],
  [
    "contact without number",
    { from: "1555", type: "contact", contact: { name: "A" } },
    /contact.name and contact.number/,
  ],
  ["timestamp of the wrong type", { from: "1555", text: "x", timestamp: "now" }, /timestamp/],
];

for (const [name, body, error] of inboundErrors) {
  Deno.test(`mock bridge validation: inbound with ${name} is refused`, () => {
    const r = checkInbound(body);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, error);
  });
}
