/**
 * Parses the bridge's webhook bodies (R-WEBHOOK-*) into one internal shape: zapw's camelCase
 * envelope `{sessionId, origin, eventType, timestamp, data}` and the legacy snake_case one
 * `{event_type, timestamp, data{from_number, …}}`. Pure functions: no I/O, easy to test.
 */
import { isGroupJid, jidToPhone, normalisePhone } from "../phone.ts";

export type MessageType =
  | "text"
  | "image"
  | "audio"
  | "video"
  | "document"
  | "location"
  | "contact"
  | "unknown";

export type DeliveryStatus = "sent" | "delivered" | "read" | "failed";

export interface InboundMessage {
  kind: "message";
  waId: string;
  /** Bridge session id, null for legacy payloads. */
  sessionId: string | null;
  legacy: boolean;
  /** E.164 sender (the owner). */
  from: string;
  /** E.164 recipient, null when absent. */
  to: string | null;
  senderJid: string;
  recipientJid: string | null;
  /** WhatsApp time, ms epoch. */
  timestamp: number;
  type: MessageType;
  content: string | null;
  caption: string | null;
  isGroup: boolean;
  metadata: Record<string, unknown>;
}

export interface StatusEvent {
  kind: "status";
  waId: string;
  status: DeliveryStatus;
}

export interface SessionEvent {
  kind: "session";
  eventType: string;
  sessionId: string | null;
  connected: boolean;
  phoneNumber: string | null;
  name: string | null;
  reason: string | null;
}

export type WebhookEvent = InboundMessage | StatusEvent | SessionEvent;

export type ParseResult =
  | { ok: true; event: WebhookEvent }
  | { ok: false; reason: "invalid_payload" | "unknown_event_type" };

const MESSAGE_TYPES = new Set<string>([
  "text",
  "image",
  "audio",
  "video",
  "document",
  "location",
  "contact",
]);
const STATUS_EVENTS: Record<string, DeliveryStatus> = {
  "message.sent": "sent",
  "message.delivered": "delivered",
  "message.read": "read",
  "message.failed": "failed",
};
/** zapw's numeric receipt codes (Baileys WAMessageStatus). */
const STATUS_CODES: Record<number, DeliveryStatus> = { 2: "sent", 3: "delivered", 4: "read" };
const INVALID = { ok: false, reason: "invalid_payload" } as const;
/** `sessions.bridge_session_id` is varchar(100). */
const MAX_SESSION_ID = 100;
/** How deep a message's `location` or `contact` may nest (zapw sends flat objects). */
const MAX_DEPTH = 8;
const UNKNOWN = { ok: false, reason: "unknown_event_type" } as const;

export function parseWebhook(body: unknown, receivedAt = Date.now()): ParseResult {
  if (!isObject(body)) return INVALID;
  const legacy = typeof body.eventType !== "string" && typeof body.event_type === "string";
  const eventType = legacy ? body.event_type : body.eventType;
  if (typeof eventType !== "string" || eventType.length === 0) return INVALID;
  const data = body.data ?? {};
  if (!isObject(data)) return INVALID;
  const sessionId = legacy ? null : text(body.sessionId);
  if (sessionId !== null && !storable(sessionId)) return INVALID;

  if (eventType === "message.received") {
    return parseMessage(data, { legacy, sessionId, envelopeTime: body.timestamp, receivedAt });
  }
  if (eventType in STATUS_EVENTS) {
    if (!legacy && eventType === "message.failed") return UNKNOWN;
    const waId = text(legacy ? data.message_id ?? data.messageId : data.messageId);
    if (!waId || waId.length > 255 || !storable(waId)) return INVALID;
    return { ok: true, event: { kind: "status", waId, status: STATUS_EVENTS[eventType]! } };
  }
  if (eventType === "message.status" && !legacy) {
    const waId = text(data.messageId);
    const status = typeof data.status === "number" ? STATUS_CODES[data.status] : undefined;
    if (!waId || waId.length > 255 || !storable(waId) || !status) return INVALID;
    return { ok: true, event: { kind: "status", waId, status } };
  }
  if (eventType === "session.connected" || eventType === "session.disconnected") {
    if (sessionId !== null && sessionId.length > MAX_SESSION_ID) return INVALID;
    const connected = eventType === "session.connected";
    return { ok: true, event: sessionEvent(eventType, sessionId, data, connected) };
  }
  if (legacy && eventType === "connection.status") {
    const state = text(data.status) ?? text(data.state) ?? "";
    return { ok: true, event: sessionEvent(eventType, null, data, state === "connected") };
  }
  return UNKNOWN;
}

function sessionEvent(
  eventType: string,
  sessionId: string | null,
  data: Record<string, unknown>,
  connected: boolean,
): SessionEvent {
  return {
    kind: "session",
    eventType,
    sessionId,
    connected,
    phoneNumber: text(data.phoneNumber ?? data.phone_number),
    name: sanitiseText(text(data.name)).value,
    reason: sanitiseText(text(data.reason)).value,
  };
}

function parseMessage(
  data: Record<string, unknown>,
  ctx: { legacy: boolean; sessionId: string | null; envelopeTime: unknown; receivedAt: number },
): ParseResult {
  const d = ctx.legacy ? legacyData(data) : data;
  const waId = text(d.messageId);
  const fromJid = text(d.from);
  if (!waId || waId.length > 255 || !fromJid || fromJid.length > 100) return INVALID;
  const groupJid = text(d.groupId) ?? (isGroupJid(fromJid) ? fromJid : null);
  const from = normalisePhone(jidToPhone(fromJid) ?? "");
  if (!from) return INVALID;
  const toJid = text(d.to);
  if (toJid !== null && toJid.length > 100) return INVALID;
  // Ids and JIDs are matched and indexed as given: one PostgreSQL cannot hold is refused here
  // (400, so the bridge knows) rather than acknowledged and lost at ingest.
  if (![waId, fromJid, toJid, groupJid].every((v) => v === null || storable(v))) return INVALID;
  const to = toJid === null ? null : jidToPhone(toJid);
  const isGroup = d.isGroup === true || groupJid !== null || (toJid !== null && isGroupJid(toJid));

  // What people wrote is kept even when PostgreSQL cannot hold it as is (R-WEBHOOK-8): U+FFFD instead.
  let sanitized = false;
  const clean = <T>(value: T): T => {
    const r = sanitiseValue(value);
    sanitized ||= r.changed;
    return r.value as T;
  };
  const rawType = text(d.type);
  const content = typeof d.text === "string" ? clean(d.text) : null;
  const caption = typeof d.caption === "string" ? clean(d.caption) : null;
  const type: MessageType = rawType === null
    ? (content !== null ? "text" : "unknown")
    : MESSAGE_TYPES.has(rawType)
    ? rawType as MessageType
    : "unknown";

  const metadata: Record<string, unknown> = { is_group: isGroup };
  if (groupJid) metadata.group_id = groupJid;
  if (typeof d.fileName === "string") metadata.file_name = clean(d.fileName);
  for (const key of ["location", "contact"] as const) {
    if (d[key] === undefined || d[key] === null) continue;
    if (depth(d[key]) > MAX_DEPTH) return INVALID;
    metadata[key] = clean(d[key]);
  }
  if (typeof d.mediaUrl === "string") metadata.media_url = clean(d.mediaUrl);
  if (sanitized) metadata.sanitized = true;

  return {
    ok: true,
    event: {
      kind: "message",
      waId,
      sessionId: ctx.sessionId,
      legacy: ctx.legacy,
      from,
      to,
      senderJid: fromJid,
      recipientJid: toJid,
      timestamp: messageTime(d.timestamp, ctx.envelopeTime, ctx.receivedAt),
      type,
      content,
      caption,
      isGroup,
      metadata,
    },
  };
}

/** Maps the legacy snake_case fields onto zapw's names. */
function legacyData(data: Record<string, unknown>): Record<string, unknown> {
  const mediaType = text(data.media_type);
  return {
    messageId: data.message_id,
    from: data.from_number,
    to: data.to_number,
    text: data.text,
    caption: data.caption ?? (mediaType ? data.text : undefined),
    type: mediaType ?? (typeof data.text === "string" ? "text" : undefined),
    mediaUrl: data.media_url,
    isGroup: data.is_group,
    groupId: data.group_id,
  };
}

/**
 * The message's WhatsApp time in ms: zapw sends ms, Baileys-style senders seconds, legacy an ISO
 * string on the envelope. Absurd values fall back to the time of receipt.
 */
export function messageTime(value: unknown, envelope: unknown, receivedAt: number): number {
  for (const v of [value, envelope]) {
    let ms: number | null = null;
    if (typeof v === "number" && Number.isFinite(v) && v > 0) ms = v < 1e12 ? v * 1000 : v;
    else if (typeof v === "string" && v.trim() !== "") {
      const n = Number(v);
      ms = Number.isFinite(n) && n > 0 ? (n < 1e12 ? n * 1000 : n) : Date.parse(v);
    }
    // Accept from 2009 (WhatsApp's birth) up to one day ahead of our clock.
    if (ms !== null && Number.isFinite(ms) && ms > 1.23e12 && ms < receivedAt + 86_400_000) {
      return Math.floor(ms);
    }
  }
  return receivedAt;
}

/**
 * R-SILENCE-1 to R-SILENCE-3 (R-SILENCE-4, the user being active, is checked at ingest): addressed to the
 * system number, a private chat, and non-blank text or a media caption.
 */
export function answerDue(
  m: InboundMessage,
  settings: { systemNumber: string; sessionId: string },
): boolean {
  const addressed = m.to !== null
    ? m.to === settings.systemNumber
    : m.legacy || m.sessionId === settings.sessionId;
  if (!addressed || m.isGroup) return false;
  const hasText = m.content !== null && m.content.trim() !== "";
  const hasCaption = m.caption !== null && m.caption.trim() !== "";
  const media = m.type !== "text" && m.type !== "unknown";
  return media ? hasText || hasCaption : hasText;
}

/** PostgreSQL text holds neither U+0000 nor ill-formed UTF-16 (a lone surrogate). */
export function storable(value: string): boolean {
  return value.isWellFormed() && !value.includes("\u0000");
}

/** R-WEBHOOK-8: each U+0000 and each lone surrogate becomes U+FFFD. */
export function sanitiseText<T extends string | null>(value: T): { value: T; changed: boolean } {
  if (value === null || storable(value)) return { value, changed: false };
  return { value: value.toWellFormed().replaceAll("\u0000", "\ufffd") as T, changed: true };
}

/** `sanitiseText` over every string and key of a JSON value. */
function sanitiseValue(value: unknown): { value: unknown; changed: boolean } {
  if (typeof value === "string") return sanitiseText(value);
  if (typeof value !== "object" || value === null) return { value, changed: false };
  let changed = false;
  const take = (v: unknown) => {
    const r = sanitiseValue(v);
    changed ||= r.changed;
    return r.value;
  };
  if (Array.isArray(value)) {
    const list = value.map(take);
    return { value: list, changed };
  }
  const entries = Object.entries(value).map(([k, v]) => [take(k) as string, take(v)] as const);
  return { value: Object.fromEntries(entries), changed };
}

/** Nesting depth of a JSON value (a scalar is 0), stopping early once past the limit. */
function depth(value: unknown, level = 0): number {
  if (typeof value !== "object" || value === null || level > MAX_DEPTH) return level;
  let deepest = level + 1;
  for (const v of Object.values(value)) deepest = Math.max(deepest, depth(v, level + 1));
  return deepest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
