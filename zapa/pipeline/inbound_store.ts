/**
 * PostgreSQL writes for inbound events (contract §4.2–4.3): one idempotent statement stores a
 * message (auto-creating its sender), and status receipts move forward only. Used by the ingest
 * worker and, while Redis is failing, directly by the webhook.
 */
import type { Sql } from "../db/mod.ts";
import type { Config } from "../config.ts";
import { answerDue, type DeliveryStatus, type InboundMessage } from "./webhook_event.ts";

export interface StoredInbound {
  id: number;
  userId: number;
  pending: boolean;
}

/**
 * Inserts the message unless its `whatsapp_message_id` exists; null means "seen before". The
 * sender is created as `User <last4>` when unknown and its `last_active` is refreshed. Only
 * active users' messages that pass rules 1–3 become `pending`.
 */
export async function storeInbound(
  sql: Sql,
  config: Pick<Config, "whatsapp">,
  m: InboundMessage,
): Promise<StoredInbound | null> {
  const due = answerDue(m, config.whatsapp);
  const rows = await sql<{ id: number; user_id: number; agent_status: string | null }[]>`
    WITH u AS (
      INSERT INTO users (phone_number, display_name, last_active)
      VALUES (${m.from}, ${`User ${m.from.slice(-4)}`}, now())
      ON CONFLICT (phone_number) DO UPDATE SET last_active = now()
      RETURNING id, is_active
    )
    INSERT INTO messages (user_id, session_id, direction, message_type, content, caption,
      sender_jid, recipient_jid, "timestamp", whatsapp_message_id, agent_status, metadata)
    SELECT u.id,
      (SELECT s.id FROM sessions s WHERE s.bridge_session_id = ${
    m.sessionId ?? config.whatsapp.sessionId
  }),
      'inbound', ${m.type}, ${m.content}, ${m.caption}, ${m.senderJid}, ${m.recipientJid},
      ${new Date(m.timestamp)}, ${m.waId},
      CASE WHEN ${due}::boolean AND u.is_active THEN 'pending' END,
      ${sql.json(m.metadata as Parameters<typeof sql.json>[0])}
    FROM u
    ON CONFLICT (whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING
    RETURNING id, user_id, agent_status`;
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, userId: row.user_id, pending: row.agent_status === "pending" };
}

const RANK: Record<DeliveryStatus, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

export function statusRank(status: string | null | undefined): number {
  return status ? RANK[status as DeliveryStatus] ?? 0 : 0;
}

/** The later of two receipt statuses (`failed` is final). */
export function laterStatus(
  a: DeliveryStatus | null,
  b: DeliveryStatus | null,
): DeliveryStatus | null {
  if (a === null) return b;
  if (b === null) return a;
  return statusRank(b) > statusRank(a) ? b : a;
}

/**
 * Moves an outbound row's status forward by WhatsApp id. Returns "applied", "unchanged" (the row
 * is already at or past it) or "unknown" (no row has that id yet).
 */
export async function applyStatus(
  sql: Sql,
  waId: string,
  status: DeliveryStatus,
): Promise<"applied" | "unchanged" | "unknown"> {
  const rows = await sql<{ id: number; applied: boolean }[]>`
    WITH target AS (
      SELECT id, status FROM messages WHERE whatsapp_message_id = ${waId}
    ), upd AS (
      UPDATE messages m SET status = ${status}, updated_at = now()
      FROM target t
      WHERE m.id = t.id AND m.direction = 'outbound'
        AND COALESCE(t.status, '') <> 'failed'
        AND (CASE COALESCE(t.status, '') WHEN 'queued' THEN 0 WHEN 'sent' THEN 1
             WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END) < ${statusRank(status)}
      RETURNING m.id
    )
    SELECT t.id, EXISTS (SELECT 1 FROM upd) AS applied FROM target t`;
  if (rows.length === 0) return "unknown";
  return rows[0]!.applied ? "applied" : "unchanged";
}

/**
 * Applies many receipts in one statement (forward only). Returns the WhatsApp ids that exist;
 * the others are unknown yet. Give at most one receipt per id (the latest).
 */
export async function applyStatuses(
  sql: Sql,
  receipts: { waId: string; status: DeliveryStatus }[],
): Promise<Set<string>> {
  if (receipts.length === 0) return new Set();
  const ids = receipts.map((r) => r.waId);
  // `= ANY(ids)` on the row side keeps both lookups on the unique whatsapp_message_id index
  // (a join against unnest alone is planned as a scan of the whole table).
  const rows = await sql<{ whatsapp_message_id: string }[]>`
    WITH v AS (
      SELECT * FROM unnest(${ids}::text[], ${receipts.map((r) => r.status)}::text[], ${
    receipts.map((r) => statusRank(r.status))
  }::int[])
        AS v(wa, status, rank)
    ), upd AS (
      UPDATE messages m SET status = v.status, updated_at = now()
      FROM v
      WHERE m.whatsapp_message_id = ANY(${ids}::text[]) AND m.whatsapp_message_id = v.wa
        AND m.direction = 'outbound'
        AND COALESCE(m.status, '') <> 'failed'
        AND (CASE COALESCE(m.status, '') WHEN 'queued' THEN 0 WHEN 'sent' THEN 1
             WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END) < v.rank
      RETURNING m.id
    )
    SELECT m.whatsapp_message_id FROM messages m
    WHERE m.whatsapp_message_id = ANY(${ids}::text[])`;
  return new Set(rows.map((r) => r.whatsapp_message_id));
}
