/**
 * Request validation with zapw's rules and error texts (src/utils/messageValidator.ts in zapw),
 * plus the shape of simulated inbound messages (`message.received` data, R-BRIDGE-6).
 */

export const SEND_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "location",
  "contact",
] as const;
export type SendType = typeof SEND_TYPES[number];

export interface SendMessage {
  to: string;
  type: SendType;
  text?: string;
  mediaUrl?: string;
  mediaBase64?: string;
  caption?: string;
  fileName?: string;
  latitude?: number;
  longitude?: number;
  name?: string;
  address?: string;
  contactName?: string;
  contactNumber?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A non-empty string, or undefined for anything else (zapw treats falsy values as missing). */
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function digitsOf(value: string): string {
  return value.replace(/\D/g, "");
}

/** zapw's formatJID: the digits of a number + `@s.whatsapp.net`; a JID is kept as is. */
export function toJid(value: string): string {
  return value.includes("@") ? value : `${digitsOf(value)}@s.whatsapp.net`;
}

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** Validates a `POST /sessions/{id}/messages` body exactly in zapw's order and words. */
export function checkSend(body: unknown): Checked<SendMessage> {
  const b: Obj = isObj(body) ? body : {};
  const to = str(b.to);
  if (!to || digitsOf(to) === "") return fail('Recipient "to" is required');
  if (b.type === undefined || b.type === null || b.type === "") {
    return fail("Message type is required");
  }
  const type = b.type as SendType;
  for (const key of ["caption", "fileName", "name", "address"] as const) {
    if (b[key] !== undefined && b[key] !== null && typeof b[key] !== "string") {
      return fail(`Field "${key}" must be a string`);
    }
  }
  switch (type) {
    case "text": {
      const text = str(b.text);
      if (!text) return fail("Text is required for text messages");
      return { ok: true, value: { to, type, text } };
    }
    case "image":
    case "video":
    case "audio":
    case "document": {
      const mediaUrl = str(b.mediaUrl);
      const mediaBase64 = str(b.mediaBase64);
      if (!mediaUrl && !mediaBase64) return fail("Media URL or base64 is required");
      const fileName = str(b.fileName);
      if (type === "document" && !fileName) return fail("File name is required for documents");
      return {
        ok: true,
        value: { to, type, mediaUrl, mediaBase64, caption: str(b.caption), fileName },
      };
    }
    case "location": {
      const latitude = num(b.latitude);
      const longitude = num(b.longitude);
      if (latitude === undefined || longitude === undefined) {
        return fail("Latitude and longitude are required for location messages");
      }
      return {
        ok: true,
        value: { to, type, latitude, longitude, name: str(b.name), address: str(b.address) },
      };
    }
    case "contact": {
      const contactName = str(b.contactName);
      const contactNumber = str(b.contactNumber);
      if (!contactName || !contactNumber) {
        return fail("Contact name and number are required for contact messages");
      }
      return { ok: true, value: { to, type, contactName, contactNumber } };
    }
    default:
      return fail(`Unknown message type: ${String(b.type).slice(0, 50)}`);
  }
}

/** The text a journal shows for a send: the text, else the caption, else null. */
export function sendText(m: SendMessage): string | null {
  return m.text ?? m.caption ?? null;
}

export const INBOUND_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "location",
  "contact",
  "unknown",
] as const;

export interface InboundRequest {
  from: string;
  to?: string;
  type: typeof INBOUND_TYPES[number];
  text?: string;
  caption?: string;
  fileName?: string;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contact?: { name: string; number: string };
  messageId?: string;
  isGroup: boolean;
  groupId?: string;
  sessionId?: string;
  timestamp?: number;
}

/** Validates a `/__mock/inbound` body (zapw `data` names). */
export function checkInbound(body: unknown): Checked<InboundRequest> {
  if (!isObj(body)) return fail("Body must be a JSON object");
  const b = body;
  const from = typeof b.from === "number" ? String(b.from) : str(b.from);
  if (!from || (!from.includes("@") && digitsOf(from) === "")) return fail("from is required");
  const type = b.type === undefined || b.type === null ? "text" : b.type;
  if (typeof type !== "string" || !(INBOUND_TYPES as readonly string[]).includes(type)) {
    return fail(`type must be one of ${INBOUND_TYPES.join(", ")}`);
  }
  for (const key of ["to", "text", "caption", "fileName", "messageId", "groupId", "sessionId"]) {
    if (b[key] !== undefined && b[key] !== null && typeof b[key] !== "string") {
      return fail(`${key} must be a string`);
    }
  }
  if (b.isGroup !== undefined && b.isGroup !== null && typeof b.isGroup !== "boolean") {
    return fail("isGroup must be a boolean");
  }
  if (b.timestamp !== undefined && num(b.timestamp) === undefined) {
    return fail("timestamp must be a number (ms)");
  }
  const req: InboundRequest = {
    from,
    to: str(b.to),
    type: type as InboundRequest["type"],
    caption: typeof b.caption === "string" ? b.caption : undefined,
    fileName: str(b.fileName),
    messageId: str(b.messageId),
    groupId: str(b.groupId),
    isGroup: b.isGroup === true || str(b.groupId) !== undefined,
    sessionId: str(b.sessionId) ?? str(b.session_id),
    timestamp: num(b.timestamp),
  };
  if (type === "text") {
    // Blank text is allowed on purpose: Zapa must store it and stay silent.
    if (typeof b.text !== "string") return fail("text is required for text messages");
    req.text = b.text;
  }
  if (type === "location") {
    const l = isObj(b.location) ? b.location : {};
    const latitude = num(l.latitude);
    const longitude = num(l.longitude);
    if (latitude === undefined || longitude === undefined) {
      return fail("location.latitude and location.longitude are required");
    }
    req.location = { latitude, longitude, name: str(l.name), address: str(l.address) };
  }
  if (type === "contact") {
    const c = isObj(b.contact) ? b.contact : {};
    const name = str(c.name);
    const number = typeof c.number === "number" ? String(c.number) : str(c.number);
    if (!name || !number) return fail("contact.name and contact.number are required");
    req.contact = { name, number };
  }
  return { ok: true, value: req };
}
