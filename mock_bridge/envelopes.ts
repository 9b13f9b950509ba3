/**
 * zapw's webhook envelopes, built in one place: the mock bridge emits them, and the suites and
 * benches that post a webhook straight to Zapa (past the bridge) build theirs here too, so
 * every copy has the shape the real bridge sends (`{sessionId, origin, eventType, timestamp,
 * data}`, camelCase).
 */
import type { WebhookEvent } from "./webhooks.ts";

/** `+15551234567` → `15551234567@s.whatsapp.net` (zapw's formatJID), with an optional `:device`. */
export function jid(phone: string, device?: number): string {
  if (phone.includes("@")) return phone;
  return `${phone.replace(/\D/g, "")}${device === undefined ? "" : `:${device}`}@s.whatsapp.net`;
}

/** Any event as zapw wraps it; `timestamp` is when it was sent (epoch ms). */
export function envelope(
  event: { sessionId: string; origin: string; eventType: string },
  data: Record<string, unknown>,
): WebhookEvent {
  return { ...event, timestamp: Date.now(), data };
}

/** A text `message.received` from a phone (or JID) to `to` (omitted when null). */
export function messageReceived(options: {
  sessionId: string;
  origin: string;
  from: string;
  to: string | null;
  messageId: string;
  text: string;
  /** The message's own time (default now, epoch ms). */
  timestamp?: number;
  /** More `data` fields, or overrides (e.g. another `type`). */
  extra?: Record<string, unknown>;
}): WebhookEvent {
  const data: Record<string, unknown> = {
    from: jid(options.from),
    messageId: options.messageId,
    timestamp: options.timestamp ?? Date.now(),
    isGroup: false,
    type: "text",
    text: options.text,
    ...options.extra,
  };
  if (options.to !== null) data.to = jid(options.to);
  const { sessionId, origin } = options;
  return envelope({ sessionId, origin, eventType: "message.received" }, data);
}
