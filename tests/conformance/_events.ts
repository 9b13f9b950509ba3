/**
 * Generated webhook events for the conformance suite: fast-check arbitraries that describe a
 * bridge event as a small model (envelope, sender form, recipient, content, hostile values),
 * and `render`, which turns one model into the body to post plus what the contract (R-WEBHOOK-*, R-WEBHOOK-8)
 * then promises: refused with a 4xx, or acknowledged, stored (sanitised) and answered once.
 */
import fc from "fast-check";
import { target } from "../../lib/target.ts";

/** Characters that break naive storage or display: NUL, lone surrogates, RTL marks, emoji. */
const HOSTILE_UNITS = [
  "\u0000",
  "\ud800",
  "\udfff",
  "\u200f",
  "\u202e",
  "\u{1F600}",
  "\ufeff",
  "\ufffd",
  "\u0085",
  "\u2028",
  " ",
  "\n",
  "\t",
  "<",
  "&",
  '"',
  "\\",
];
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abc xyz019") },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_UNITS) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  },
);
/** Strings around the 1 MiB body limit: just under it (accepted), just over it (413). */
const big = fc.record({ size: fc.constantFrom(300_000, 1_000_000, 1_100_000), fill: unit })
  .map(({ size, fill }) => fill.repeat(Math.max(1, Math.floor(size / Math.max(1, fill.length)))));
export const hostileText = fc.oneof(
  { weight: 30, arbitrary: fc.string({ unit, maxLength: 24 }) },
  { weight: 1, arbitrary: big },
);
/** A value of the wrong JSON type where a string is expected. */
const wrongType = fc.constantFrom<unknown>(null, 42, -1.5, true, [], {}, ["x"], { text: "x" });

const senderForms = [
  "jid",
  "device",
  "lid",
  "plus",
  "bare",
  "spaced",
  "number",
  "empty",
  "letters",
  "group",
  "short",
  "nul",
  "long",
] as const;
const recipientForms = [
  "system-device",
  "system",
  "system-plus",
  "absent",
  "blank",
  "other",
  "group",
  "number",
] as const;
const idForms = ["plain", "hostile", "number", "absent", "blank", "long"] as const;
const types = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "location",
  "contact",
  "sticker",
  "absent",
  "wrong",
] as const;
const times = [
  "ms",
  "s",
  "huge",
  "negative",
  "float",
  "string",
  "garbage",
  "absent",
  "null",
] as const;

export interface MessageModel {
  kind: "message";
  envelope: "zapw" | "legacy";
  sender: typeof senderForms[number];
  recipient: typeof recipientForms[number];
  session: "main" | "other" | "absent" | "hostile";
  id: typeof idForms[number];
  idSuffix: string;
  type: typeof types[number];
  text: { value: string } | { wrong: unknown } | null;
  caption: string | null;
  fileName: string | null;
  location: { name: string; address: string; depth: number } | null;
  contact: string | null;
  isGroup: "absent" | boolean | "wrong";
  groupId: boolean;
  time: typeof times[number];
  extra: Record<string, unknown>;
  duplicateKey: boolean;
  /** The sender has an LLM configured (the mock echoes the text) rather than none. */
  llm: boolean;
}

export interface OtherModel {
  kind: "status" | "session" | "unknown" | "malformed";
  envelope: "zapw" | "legacy";
  name: string;
  value: string;
  id: typeof idForms[number];
  code: unknown;
}

export type EventModel = MessageModel | OtherModel;

/** Mostly the usual value, sometimes one of the odd ones (and shrinks towards the usual). */
function mostly<T>(usual: T, odd: readonly T[], oddWeight = 1): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(usual) },
    { weight: oddWeight, arbitrary: fc.constantFrom(...odd) },
  );
}

/** Absent three times in four. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/** Mostly well-formed messages with one or two odd parts: losses hide in those. */
const messageModel: fc.Arbitrary<MessageModel> = fc.record({
  kind: fc.constant("message" as const),
  envelope: mostly<MessageModel["envelope"]>("zapw", ["legacy"], 2),
  sender: mostly<MessageModel["sender"]>("jid", senderForms.slice(1), 2),
  recipient: mostly<MessageModel["recipient"]>("system-device", recipientForms.slice(1), 2),
  session: mostly<MessageModel["session"]>("main", ["other", "absent", "hostile"]),
  id: mostly<MessageModel["id"]>("plain", idForms.slice(1), 2),
  idSuffix: fc.string({ unit, maxLength: 6 }),
  type: mostly<MessageModel["type"]>("text", types.slice(1), 3),
  text: fc.option(
    fc.oneof(
      { weight: 8, arbitrary: hostileText.map((value) => ({ value })) },
      { weight: 1, arbitrary: wrongType.map((wrong) => ({ wrong })) },
    ),
    { freq: 8 },
  ),
  caption: sometimes(hostileText),
  fileName: sometimes(hostileText),
  location: sometimes(fc.record({
    name: hostileText,
    address: hostileText,
    depth: mostly(0, [3, 40, 100_000]),
  })),
  contact: sometimes(hostileText),
  isGroup: mostly<MessageModel["isGroup"]>(false, ["absent", true, "wrong"]),
  groupId: mostly(false, [true]),
  time: mostly<MessageModel["time"]>("ms", times.slice(1), 2),
  extra: fc.dictionary(
    fc.constantFrom("fromMe", "pushName", "hasMedia", "quoted", "zz_unknown", "__proto__"),
    fc.oneof(hostileText, wrongType, fc.boolean()),
    { maxKeys: 2 },
  ),
  duplicateKey: mostly(false, [true]),
  llm: mostly(false, [true]),
});

const otherModel: fc.Arbitrary<OtherModel> = fc.record({
  kind: fc.constantFrom(
    "status" as const,
    "session" as const,
    "unknown" as const,
    "malformed" as const,
  ),
  envelope: fc.constantFrom("zapw" as const, "legacy" as const),
  name: fc.constantFrom(
    "message.sent",
    "message.delivered",
    "message.read",
    "message.failed",
    "message.status",
    "session.connected",
    "session.disconnected",
    "connection.status",
    "presence.update",
    "",
  ),
  value: hostileText,
  id: fc.constantFrom(...idForms),
  code: fc.constantFrom<unknown>(2, 3, 4, 9, "3", null),
});

/** Mostly messages: they are what must never be lost. */
export const eventModel: fc.Arbitrary<EventModel> = fc.oneof(
  { weight: 4, arbitrary: messageModel },
  { weight: 1, arbitrary: otherModel },
);

/** What the contract promises for one rendered event. */
export interface Expectation {
  /** The message must be acknowledged (a well-formed message, hostile text included). */
  mustAccept: boolean;
  /** The owner's E.164 number, null when the sender is no phone number (then: 4xx). */
  phone: string | null;
  /** Expected stored `content` (sanitised) when `text` was a string. */
  content?: string | null;
  caption?: string | null;
  /** Text or caption held characters PostgreSQL cannot store (R-WEBHOOK-8): `metadata.sanitized`. */
  sanitized: boolean | "either";
  /** Whether R-WEBHOOK-* says it is answered; "either" when a wrong-typed field leaves it open. */
  due: boolean | "either";
}

export interface Rendered {
  /** The JSON body, or raw text (duplicate keys, broken JSON). */
  body: unknown;
  raw?: string;
  expect: Expectation | null;
}

/** Per execution: the sender's fresh number and a fresh id, so replays never collide. */
export interface Fresh {
  digits: string;
  id: string;
}

const SYSTEM = () => target.system_number.replace(/\D/g, "");

/** R-WEBHOOK-8: each U+0000 and each lone surrogate becomes U+FFFD. */
export function sanitise(text: string): string {
  return text.toWellFormed().replaceAll("\u0000", "\ufffd");
}

function needsSanitising(value: unknown): boolean {
  if (typeof value === "string") return sanitise(value) !== value;
  if (Array.isArray(value)) return value.some(needsSanitising);
  if (value && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => needsSanitising(k) || needsSanitising(v));
  }
  return false;
}

function senderValue(form: MessageModel["sender"], digits: string): unknown {
  return {
    jid: `${digits}@s.whatsapp.net`,
    device: `${digits}:17@s.whatsapp.net`,
    lid: `${digits}@lid`,
    plus: `+${digits}`,
    bare: digits,
    spaced: `+${digits.slice(0, 1)} ${digits.slice(1, 4)}-${digits.slice(4)}`,
    number: Number(digits),
    empty: "",
    letters: "abc@s.whatsapp.net",
    group: `120363${digits}@g.us`,
    short: "12345@s.whatsapp.net",
    nul: `${digits}\u0000@s.whatsapp.net`,
    long: `${digits}@${"x".repeat(120)}`,
  }[form];
}

/** The owner per R-WEBHOOK-* (domain and `:device` dropped, digits kept, `+`), null if not E.164. */
export function ownerOf(from: unknown): string | null {
  const value = typeof from === "number" ? String(from) : from;
  if (typeof value !== "string" || value.length > 100) return null;
  const digits = value.split("@")[0]!.split(":")[0]!.replace(/[^0-9]/g, "");
  const phone = `+${digits}`;
  return /^\+[1-9]\d{6,14}$/.test(phone) ? phone : null;
}

function idValue(form: MessageModel["id"], fresh: Fresh, suffix: string): unknown {
  return {
    plain: fresh.id,
    hostile: `${fresh.id}${suffix}`,
    number: Number(`9${fresh.digits}`),
    absent: undefined,
    blank: "  ",
    long: `${fresh.id}${"x".repeat(300)}`,
  }[form];
}

function timeValue(form: MessageModel["time"], legacy: boolean): unknown {
  const now = Date.now();
  return {
    ms: legacy ? new Date(now).toISOString() : now,
    s: Math.floor(now / 1000),
    huge: 1e21,
    negative: -5,
    float: now + 0.25,
    string: String(now),
    garbage: "yesterday",
    absent: undefined,
    null: null,
  }[form];
}

function nested(depth: number): unknown {
  // Built as text: a deep object literal would overflow JSON.stringify on this side too.
  return depth > 0 ? { raw: `${"[".repeat(depth)}${"]".repeat(depth)}` } : null;
}

/** Turns a model into a body and the contract's promise for it. */
export function render(model: EventModel, fresh: Fresh): Rendered {
  if (model.kind !== "message") return renderOther(model, fresh);
  const m = model;
  const legacy = m.envelope === "legacy";
  const from = senderValue(m.sender, fresh.digits);
  const to = {
    "system-device": `${SYSTEM()}:12@s.whatsapp.net`,
    system: `${SYSTEM()}@s.whatsapp.net`,
    "system-plus": `+${SYSTEM()}`,
    absent: undefined,
    blank: " ",
    other: "15550009999@s.whatsapp.net",
    group: "120363111111111@g.us",
    number: Number(SYSTEM()),
  }[m.recipient];
  const text = m.text === null ? undefined : "value" in m.text ? m.text.value : m.text.wrong;
  const type = m.type === "absent" ? undefined : m.type === "wrong" ? 7 : m.type;
  const sessionId = {
    main: target.session_id,
    other: "conformance-other",
    absent: undefined,
    hostile: `main\u0000`,
  }[m.session];
  const id = idValue(m.id, fresh, m.idSuffix);
  const location = m.location === null
    ? undefined
    : { latitude: 1.5, longitude: -2, name: m.location.name, address: m.location.address };
  const deep = m.location === null ? null : nested(m.location.depth);
  const contact = m.contact === null ? undefined : { name: m.contact, number: `+${fresh.digits}` };
  const data: Record<string, unknown> = legacy
    ? {
      ...m.extra,
      from_number: from,
      to_number: to,
      message_id: id,
      text,
      media_type: m.type === "image" || m.type === "document" ? m.type : undefined,
      media_url: m.fileName ?? undefined,
    }
    : {
      ...m.extra,
      from,
      to,
      messageId: id,
      timestamp: timeValue(m.time, false),
      isGroup: m.isGroup === "absent" ? undefined : m.isGroup === "wrong" ? "yes" : m.isGroup,
      groupId: m.groupId ? "120363222222222@g.us" : undefined,
      type,
      text,
      caption: m.caption ?? undefined,
      fileName: m.fileName ?? undefined,
      location: deep ? "DEEP" : location,
      contact,
    };
  const body = legacy
    ? { event_type: "message.received", timestamp: timeValue(m.time, true), data }
    : {
      sessionId,
      origin: "conformance",
      eventType: "message.received",
      timestamp: timeValue(m.time, false),
      data,
    };
  let raw: string | undefined;
  if (deep) {
    raw = JSON.stringify(body).replace('"DEEP"', (deep as { raw: string }).raw);
  }
  if (m.duplicateKey && typeof text === "string") {
    // Duplicate keys: the last one counts (JSON.parse), the decoy comes first.
    const json = raw ?? JSON.stringify(body);
    const decoyId = idPresent(data) ? '"messageId":"decoy",' : "";
    raw = json.replace('"data":{', `"data":{"text":"decoy",${decoyId}`);
  }
  return { body, raw, expect: expectMessage(m, { legacy, from, to, id, text, sessionId, deep }) };
}

/** A decoy id may come first only when the real one follows and wins. */
function idPresent(data: Record<string, unknown>): boolean {
  return data.messageId !== undefined;
}

function expectMessage(
  m: MessageModel,
  v: {
    legacy: boolean;
    from: unknown;
    to: unknown;
    id: unknown;
    text: unknown;
    sessionId: unknown;
    deep: unknown;
  },
): Expectation {
  const phone = ownerOf(v.from);
  const wellFormedId = (m.id === "plain" || m.id === "number") ||
    (m.id === "hostile" && sanitise(m.idSuffix) === m.idSuffix &&
      ![...m.idSuffix].some((c) => c.charCodeAt(0) < 0x20) && m.idSuffix.trim() === m.idSuffix);
  const ambiguous = m.type === "wrong" || m.isGroup === "wrong" || m.recipient === "number" ||
    m.recipient === "blank" || (m.text !== null && "wrong" in m.text) || m.sender === "number" ||
    m.id === "number" || m.session === "hostile" || v.deep !== null || m.sender === "nul" ||
    (m.type === "location" || m.type === "contact") && m.caption !== null;
  const mustAccept = phone !== null && wellFormedId && !ambiguous && m.sender !== "long";
  const textValue = typeof v.text === "string" ? v.text : null;
  const mediaType = m.type === "image" || m.type === "video" || m.type === "audio" ||
    m.type === "document";
  const captionValue = v.legacy
    ? (m.type === "image" || m.type === "document" ? textValue : null)
    : m.caption;
  const nonBlank = (s: string | null) => s !== null && sanitise(s).trim() !== "";
  const toSystem = m.recipient === "system" || m.recipient === "system-device" ||
    m.recipient === "system-plus";
  const addressed = m.recipient === "absent"
    ? v.legacy || v.sessionId === target.session_id
    : toSystem;
  const group = m.recipient === "group" || m.sender === "group" ||
    (!v.legacy && (m.isGroup === true || m.groupId));
  const hasText = nonBlank(textValue) || (mediaType && nonBlank(captionValue));
  const due = addressed && !group && hasText;
  const dirty = needsSanitising(textValue) || needsSanitising(captionValue);
  const anyDirty = dirty || needsSanitising(m.fileName) || needsSanitising(m.location) ||
    needsSanitising(m.contact) || needsSanitising(m.extra);
  return {
    mustAccept,
    phone,
    content: textValue === null ? undefined : sanitise(textValue),
    caption: v.legacy || captionValue === null ? undefined : sanitise(captionValue),
    sanitized: dirty ? true : anyDirty ? "either" : false,
    due: ambiguous ? "either" : due,
  };
}

function renderOther(m: OtherModel, fresh: Fresh): Rendered {
  if (m.kind === "malformed") {
    const raws = ["", "[]", '"text"', "{", '{"eventType":', "null", "{}", "\u0000"];
    return { body: null, raw: raws[m.value.length % raws.length]!, expect: null };
  }
  const id = idValue(m.id, fresh, m.value.slice(0, 4));
  if (m.kind === "session") {
    // Never the stack's own session: other suites share it.
    const body = m.envelope === "legacy"
      ? { event_type: "connection.status", data: { status: "connected", name: m.value } }
      : {
        sessionId: `conformance-${fresh.id}`,
        eventType: m.name.startsWith("session.") ? m.name : "session.connected",
        timestamp: Date.now(),
        data: { phoneNumber: `${fresh.digits}:3@s.whatsapp.net`, name: m.value, reason: m.value },
      };
    return { body, expect: null };
  }
  if (m.kind === "status") {
    // Receipts only: session names here would touch the stack's own session.
    const name = m.name.startsWith("message.") ? m.name : "message.read";
    const body = m.envelope === "legacy"
      ? { event_type: name, timestamp: new Date().toISOString(), data: { message_id: id } }
      : {
        sessionId: target.session_id,
        eventType: name,
        timestamp: Date.now(),
        data: { messageId: id, status: m.code },
      };
    return { body, expect: null };
  }
  const body = m.envelope === "legacy"
    ? { event_type: `conformance.${m.value}`, data: { message_id: id } }
    : { sessionId: target.session_id, eventType: `x.${m.value}`, data: { messageId: id } };
  return { body, expect: null };
}
