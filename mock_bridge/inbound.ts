/**
 * Simulated inbound messages (`/__mock/inbound`): builds the `message.received` data the way
 * zapw's parseMessage does, journals it, and delivers it as a webhook.
 */
import type { BridgeConfig } from "./config.ts";
import type { Journal } from "./journal.ts";
import type { InboundRecord, InboundResult, Outcome } from "./records.ts";
import type { SessionStore } from "./sessions.ts";
import { digitsOf, type InboundRequest, toJid } from "./validate.ts";
import type { AttemptResult } from "./webhooks.ts";

/** What receiving a message needs from the bridge (`BridgeState`, which calls us). */
export interface InboundHost {
  readonly config: BridgeConfig;
  readonly sessions: SessionStore;
  readonly inbound: Journal<InboundRecord>;
  newMessageId(): string;
  emit(
    sessionId: string,
    eventType: string,
    data: Record<string, unknown>,
    options: { explicit?: boolean },
  ): Promise<AttemptResult> | undefined;
}

/** A message from a phone → `message.received`; resolves after the first webhook attempt. */
export async function receiveInbound(
  state: InboundHost,
  req: InboundRequest,
): Promise<Outcome<InboundResult>> {
  const sessionId = req.sessionId ?? state.config.sessionId;
  const session = state.sessions.get(sessionId);
  if (!session) return { ok: false, status: 404, error: `Session ${sessionId} not found` };
  const own = session.phoneNumber ?? state.config.phoneNumber;
  const messageId = req.messageId ?? state.newMessageId();
  const timestamp = req.timestamp ?? Date.now();
  const groupId = req.isGroup ? groupJid(req.groupId, req.from, timestamp) : undefined;
  const data: Record<string, unknown> = {
    from: toJid(req.from),
    to: req.to ? toJid(req.to) : `${own}:12@s.whatsapp.net`,
    messageId,
    timestamp,
    isGroup: req.isGroup,
    groupId,
    ...inboundContent(req),
  };
  // zapw never forwards the account's own messages (Baileys `fromMe`).
  const forwarded = digitsOf(req.from) !== own;
  const rec = state.inbound.append({
    seq: state.inbound.nextSeq(),
    message_id: messageId,
    session_id: sessionId,
    from: String(data.from),
    from_digits: digitsOf(req.from),
    to: String(data.to),
    type: req.type,
    text: req.text ?? null,
    caption: req.caption ?? null,
    location: req.location ?? null,
    contact: req.contact ?? null,
    is_group: req.isGroup,
    group_id: groupId ?? null,
    at: Date.now(),
    forwarded,
    webhook_status: null,
  });
  if (!forwarded) {
    return ok({
      message_id: messageId,
      webhook: { status: null, body: null, error: "own message: not forwarded" },
    });
  }
  const delivery = state.emit(sessionId, "message.received", data, { explicit: true });
  if (!delivery) {
    return ok({
      message_id: messageId,
      webhook: { status: null, body: null, error: "webhooks disabled" },
    });
  }
  const first: AttemptResult = await delivery;
  rec.webhook_status = first.status;
  return ok({
    message_id: messageId,
    webhook: { status: first.status, body: first.body, error: first.error },
  });
}

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function groupJid(groupId: string | undefined, from: string, timestamp: number): string {
  if (groupId) return groupId.includes("@") ? groupId : `${groupId}@g.us`;
  return `120363${digitsOf(from).slice(-6)}${timestamp % 1_000_000}@g.us`;
}

/** The type-specific fields of `message.received`, as zapw's parseMessage builds them. */
function inboundContent(req: InboundRequest): Record<string, unknown> {
  switch (req.type) {
    case "text":
      return { type: "text", text: req.text };
    case "image":
    case "video":
      return { type: req.type, caption: req.caption, hasMedia: true };
    case "audio":
      return { type: "audio", hasMedia: true };
    case "document":
      return { type: "document", fileName: req.fileName, hasMedia: true };
    case "location":
      return { type: "location", location: req.location };
    case "contact":
      return { type: "contact", contact: req.contact };
    default:
      // zapw leaves `type` out for message kinds it does not parse (stickers, reactions, …).
      return {};
  }
}
