/**
 * PostgreSQL writes for inbound events (R-WEBHOOK-*, R-INTAKE-*): one idempotent statement stores a
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

/**
 * `storeInbound` for several messages in one statement (the ingest worker's batches). Senders
 * and WhatsApp ids must be distinct within one call (callers split a batch into rounds), so the
 * user upsert touches each row once and each result maps back to exactly one message. Rows are
 * inserted in the given order. Returns one entry per message: null means "seen before".
 */
export async function storeInboundMany(
  sql: Sql,
  config: Pick<Config, "whatsapp">,
  messages: readonly InboundMessage[],
): Promise<(StoredInbound | null)[]> {
  if (messages.length === 0) return [];
  const col = <T>(f: (m: InboundMessage) => T) => messages.map(f);
  const rows = await sql<
    { id: number; user_id: number; agent_status: string | null; whatsapp_message_id: string }[]
  >`
    WITH v AS (
      SELECT * FROM unnest(
        ${col((m) => m.from)}::text[], ${col((m) => `User ${m.from.slice(-4)}`)}::text[],
        ${col((m) => m.sessionId ?? config.whatsapp.sessionId)}::text[],
        ${col((m) => m.type)}::text[], ${col((m) => m.content)}::text[],
        ${col((m) => m.caption)}::text[], ${col((m) => m.senderJid)}::text[],
        ${col((m) => m.recipientJid)}::text[],
        ${col((m) => new Date(m.timestamp).toISOString())}::text[]::timestamptz[],
        ${col((m) => m.waId)}::text[], ${
    col((m) => answerDue(m, config.whatsapp) ? "t" : "f")
  }::text[]::boolean[],
        ${col((m) => JSON.stringify(m.metadata))}::text[]::jsonb[]
      ) WITH ORDINALITY AS v(phone, display_name, bridge_session, message_type, content, caption,
        sender_jid, recipient_jid, ts, wa_id, due, metadata, ord)
    ), u AS (
      INSERT INTO users (phone_number, display_name, last_active)
      SELECT phone, display_name, now() FROM v ORDER BY ord
      ON CONFLICT (phone_number) DO UPDATE SET last_active = now()
      RETURNING id, phone_number, is_active
    )
    INSERT INTO messages (user_id, session_id, direction, message_type, content, caption,
      sender_jid, recipient_jid, "timestamp", whatsapp_message_id, agent_status, metadata)
    SELECT u.id,
      (SELECT s.id FROM sessions s WHERE s.bridge_session_id = v.bridge_session),
      'inbound', v.message_type, v.content, v.caption, v.sender_jid, v.recipient_jid,
      v.ts, v.wa_id, CASE WHEN v.due AND u.is_active THEN 'pending' END, v.metadata
    FROM v JOIN u ON u.phone_number = v.phone
    ORDER BY v.ord
    ON CONFLICT (whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING
    RETURNING id, user_id, agent_status, whatsapp_message_id`;
  const byWaId = new Map(rows.map((r) => [r.whatsapp_message_id, r]));
  return messages.map((m) => {
    const row = byWaId.get(m.waId);
    return row
      ? { id: row.id, userId: row.user_id, pending: row.agent_status === "pending" }
      : null;
  });
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
    -- Forward-only is checked on the row being updated (a concurrent receipt may have moved
    -- it since this statement's snapshot); direction never changes.
    WITH target AS (
      SELECT id, direction FROM messages WHERE whatsapp_message_id = ${waId}
    ), upd AS (
      UPDATE messages m SET status = ${status}, updated_at = now()
      FROM target t
      WHERE m.id = t.id AND t.direction = 'outbound'
        AND COALESCE(m.status, '') <> 'failed'
        AND (CASE COALESCE(m.status, '') WHEN 'queued' THEN 0 WHEN 'sent' THEN 1
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
  // Each id is looked up alone on the unique whatsapp_message_id index, and the update goes by
  // primary key. Written plainly (a join on `direction = 'outbound'`), the planner may
  // intersect with the partial reply index, i.e. read every outbound row, whenever the table
  // grew faster than its statistics. A bare LATERAL is no fence either: the planner pulls it up
  // into a join, and the generic plan postgres.js's prepared statement keeps — made while the
  // table was small — hashed the ids against a sequential scan of every message (seen under
  // `deno task bench throughput --profile`: 5 550 rows read for each batch of receipts, half
  // of PostgreSQL's time). `OFFSET 0` keeps the subquery a subquery, so each id can only be
  // probed. `direction` never changes, so it is checked on the looked-up row; the
  // forward-only checks stay on the row being updated.
  const rows = await sql<{ whatsapp_message_id: string }[]>`
    WITH v AS (
      SELECT * FROM unnest(${receipts.map((r) => r.waId)}::text[],
        ${receipts.map((r) => r.status)}::text[], ${
    receipts.map((r) => statusRank(r.status))
  }::int[])
        AS v(wa, status, rank)
    ), t AS (
      SELECT f.id, f.whatsapp_message_id, f.direction, v.status, v.rank
      FROM v CROSS JOIN LATERAL (
        SELECT id, whatsapp_message_id, direction FROM messages WHERE whatsapp_message_id = v.wa
        OFFSET 0
      ) f
    ), upd AS (
      UPDATE messages m SET status = t.status, updated_at = now()
      FROM t
      WHERE m.id = t.id AND t.direction = 'outbound'
        AND COALESCE(m.status, '') <> 'failed'
        AND (CASE COALESCE(m.status, '') WHEN 'queued' THEN 0 WHEN 'sent' THEN 1
             WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END) < t.rank
      RETURNING m.id
    )
    SELECT whatsapp_message_id FROM t`;
  return new Set(rows.map((r) => r.whatsapp_message_id));
}
