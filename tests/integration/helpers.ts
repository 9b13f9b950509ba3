/**
 * Helpers for the integration suites: build webhook bodies in both envelope shapes, post them
 * straight to private's webhook, and read a phone's stored rows through the admin API (so the
 * boundary tests work on every target) or, when the target has it, directly with SQL.
 */
import postgres from "postgres";
import { eventually } from "../../lib/eventually.ts";
import { noteMessage } from "../../lib/evidence_notes.ts";
import {
  admin,
  configureLlm,
  createUser,
  llm,
  privateApi,
  sendWhatsApp,
  uniqueKey,
} from "../../lib/fixtures.ts";
import type { MessageItem, PublicClient } from "../../lib/clients/zapa.ts";
import { logTail, target } from "../../lib/target.ts";
import { jid, messageReceived } from "../../mock_bridge/envelopes.ts";

/** A fresh WhatsApp message id, unique across parallel test files. */
export function uniqueWaId(label = "IT"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = `${label}${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`
    .toUpperCase();
  noteMessage(id); // traced if the test fails (lib/evidence.ts)
  return id;
}

export { jid };

/** A zapw (camelCase) `message.received` envelope, as the real bridge posts it. */
export function zapwMessage(options: {
  from: string;
  to?: string | null;
  text?: string;
  messageId?: string;
  sessionId?: string;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    ...messageReceived({
      sessionId: options.sessionId ?? target.session_id,
      origin: "integration-test",
      from: options.from,
      to: options.to === undefined ? jid(target.system_number, 12) : options.to,
      messageId: options.messageId ?? uniqueWaId(),
      text: options.text ?? "hello",
      extra: options.extra,
    }),
  };
}

/** A legacy (snake_case) `message.received` envelope. */
export function legacyMessage(options: {
  from: string;
  to?: string;
  text?: string;
  messageId?: string;
}): Record<string, unknown> {
  return {
    event_type: "message.received",
    timestamp: new Date().toISOString(),
    data: {
      from_number: options.from,
      to_number: options.to ?? target.system_number,
      message_id: options.messageId ?? uniqueWaId("LG"),
      text: options.text ?? "hello",
    },
  };
}

/** Posts a body to the private webhook with the target's secret (query string by default). */
export function postWebhook(body: unknown, via: "query" | "header" = "query") {
  return privateApi.webhook(body, { secret: target.webhook_secret, header: via === "header" });
}

/** The admin API's user id for a phone number, once the user row exists. */
export function userIdOf(phone: string, timeoutMs = 10_000): Promise<number> {
  return eventually(async () => {
    const api = await admin();
    const r = await api.users({ search: phone, page_size: 5 });
    const user = r.json.users?.find((u) => u.phone_number === phone);
    return typeof user?.id === "number" ? user.id : null;
  }, { timeoutMs, message: `a user row for ${phone}` });
}

/** Every stored message of the phone's user, newest first (admin conversations API). */
export async function storedMessages(phone: string): Promise<MessageItem[]> {
  const id = await userIdOf(phone);
  const api = await admin();
  const r = await api.raw<{ messages: MessageItem[] }>(
    "GET",
    `/api/v1/admin/users/${id}/conversations?page_size=100`,
  );
  if (r.status !== 200) throw new Error(`conversations of ${phone}: HTTP ${r.status} ${r.text}`);
  return r.json.messages;
}

/** Runs `fn` with a small SQL pool on the target's database and closes it afterwards. */
export async function withSql<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  if (!target.database) throw new Error("the target has no database URL");
  const sql = postgres(target.database, { max: 2, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export const UNAVAILABLE =
  "Sorry, the AI assistant is temporarily unavailable right now. Please try again in a few minutes.";
export const REJECTED =
  "The AI provider rejected the API key configured for your assistant. Please update it in the Zapa dashboard.";

/** The stored reply to the inbound message with this WhatsApp id. */
export function storedReply(user: { api: PublicClient }, waId: string): Promise<MessageItem> {
  return eventually(async () => {
    const list = await user.api.messages({ limit: 100 });
    const inbound = list.json.items?.find((m) => m.whatsapp_message_id === waId);
    if (!inbound) return null;
    return list.json.items.find((m) =>
      m.direction === "outbound" && (m as { reply_to_id?: number }).reply_to_id === inbound.id
    ) ?? list.json.items.find((m) => m.direction === "outbound" && m.id > inbound.id);
  }, {
    timeoutMs: 15_000,
    message: `the stored reply to ${waId}`,
    onTimeout: () => logTail(["private", "llm"]),
  });
}

/**
 * A new user whose only provider hangs (`mock-hang`) sends one message; resolves once the agent's
 * first call is being held by the mock LLM, so the turn is under way and cannot finish soon.
 */
export async function startHangingTurn(text: string) {
  const user = await createUser();
  const { primary } = await configureLlm(user, {
    apiKey: `${uniqueKey("hang")}_mock-hang`,
    fallback: null,
  });
  const sent = await sendWhatsApp(user.phone, text);
  const calls = await llm.waitForRequests({ key_fingerprint: primary.fingerprint, count: 1 });
  if (calls[0]!.status !== null) {
    throw new Error(`the mock LLM answered the hanging call: ${JSON.stringify(calls[0])}`);
  }
  return { user, primary, sent };
}
