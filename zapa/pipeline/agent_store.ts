/**
 * PostgreSQL side of the agent worker: per-user leases, the oldest pending message, and the
 * single statement that stores a reply and marks its message done (R-ORDER-1, R-INTAKE-5).
 */
import type { Sql } from "../db/mod.ts";
import type { ReplyResult } from "../agent/reply.ts";
import {
  type ReplyInput,
  replyInputColumns,
  type ReplyInputRow,
  toReplyInput,
} from "../agent/context.ts";

export interface PendingMessage {
  id: number;
  userId: number;
  phoneNumber: string;
  userActive: boolean;
}

/**
 * Takes (or renews) the user's lease and returns their oldest pending message. `leased` is
 * false when another live worker holds the user. With `contextLimit`, the same statement also
 * loads what the reply needs (history window and LLM configs, see `replyInputColumns`).
 */
export async function claimNextPending(
  sql: Sql,
  options: { userId: number; owner: string; leaseMs: number; contextLimit?: number },
): Promise<{ leased: boolean; message: PendingMessage | null; input?: ReplyInput }> {
  const withInput = options.contextLimit !== undefined;
  const rows = await sql<
    (Partial<ReplyInputRow> & {
      user_id: number;
      id: number | null;
      phone_number: string;
      is_active: boolean;
    })[]
  >`
    WITH lease AS (
      INSERT INTO agent_leases (user_id, owner, expires_at)
      VALUES (${options.userId}, ${options.owner},
        now() + ${options.leaseMs} * interval '1 millisecond')
      ON CONFLICT (user_id) DO UPDATE
        SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at, updated_at = now()
        WHERE agent_leases.owner = EXCLUDED.owner OR agent_leases.expires_at < now()
      RETURNING user_id
    )
    SELECT l.user_id, c.id, u.phone_number, u.is_active${
    withInput
      ? sql`, c.direction, c.message_type, c.content, c.caption, c."timestamp",
      ${replyInputColumns(sql, { userId: options.userId, limit: options.contextLimit ?? 0 })}`
      : sql``
  }
    FROM lease l
    JOIN users u ON u.id = l.user_id
    LEFT JOIN LATERAL (
      SELECT id, direction, message_type, content, caption, "timestamp" FROM messages
      WHERE user_id = l.user_id AND agent_status = 'pending'
      ORDER BY "timestamp", id LIMIT 1
    ) c ON true`;
  const row = rows[0];
  if (!row) return { leased: false, message: null };
  if (row.id === null) return { leased: true, message: null };
  return {
    leased: true,
    message: {
      id: row.id,
      userId: row.user_id,
      phoneNumber: row.phone_number,
      userActive: row.is_active,
    },
    ...(withInput ? { input: toReplyInput(row as ReplyInputRow) } : {}),
  };
}

export async function renewLease(
  sql: Sql,
  options: { userId: number; owner: string; leaseMs: number },
): Promise<void> {
  await sql`
    UPDATE agent_leases SET expires_at = now() + ${options.leaseMs} * interval '1 millisecond',
      updated_at = now()
    WHERE user_id = ${options.userId} AND owner = ${options.owner}`;
}

export async function releaseLease(
  sql: Sql,
  options: { userId: number; owner: string },
): Promise<void> {
  await sql`DELETE FROM agent_leases WHERE user_id = ${options.userId} AND owner = ${options.owner}`;
}

/** Drops every lease this instance held before a restart: its work may start again at once. */
export async function releaseOwnLeases(sql: Sql, owner: string): Promise<number> {
  const result = await sql`DELETE FROM agent_leases WHERE owner = ${owner}`;
  return result.count;
}

/** Marks a message done without answering it (its sender was deactivated meanwhile). */
export async function markDoneWithoutReply(sql: Sql, inboundId: number): Promise<void> {
  await sql`UPDATE messages SET agent_status = 'done', updated_at = now()
    WHERE id = ${inboundId} AND agent_status = 'pending'`;
}

/**
 * One statement: inserts the reply (`outbound`, `reply_to_id`, `status='queued'`) unless one
 * exists — the unique `reply_to_id` index rejects a second — and marks the message done, then
 * looks up the user's next oldest pending message
 * (other than this one). With one, the lease is renewed (only if this owner still holds it);
 * without one, the lease is kept: the worker releases it once this reply's outbox job is
 * enqueued, or another instance could answer the user's next message and enqueue that reply
 * first (the replica drill saw a reply go out ahead of the one before it). A message stored after this statement's snapshot is
 * found by the next claim (ingest notifies the worker, the sweeper re-notifies). With
 * `contextLimit`, the next message comes with its reply input (history window, which includes
 * the reply stored here when it sorts before the next message, and LLM configs).
 */
export async function storeReplyAndTakeNext(
  sql: Sql,
  options: {
    inboundId: number;
    userId: number;
    owner: string;
    leaseMs: number;
    reply: ReplyResult;
    senderJid?: string | null;
    /** Also load what the next message's reply needs (as `claimNextPending` does). */
    contextLimit?: number;
  },
): Promise<
  { replyId: number | null; leased: boolean; next: PendingMessage | null; input?: ReplyInput }
> {
  const { inboundId, userId, owner, reply } = options;
  const withInput = options.contextLimit !== undefined;
  const rows = await sql<
    (Partial<ReplyInputRow> & {
      reply_id: number | null;
      next_id: number | null;
      phone_number: string | null;
      is_active: boolean | null;
      renewed: boolean;
    })[]
  >`
    WITH reply AS (
      INSERT INTO messages (user_id, session_id, direction, message_type, content, sender_jid,
        recipient_jid, "timestamp", reply_to_id, status, metadata)
      SELECT i.user_id, i.session_id, 'outbound', 'text', ${reply.text}, ${
    options.senderJid ?? null
  },
        i.sender_jid, greatest(now(), i."timestamp"), i.id, 'queued',
        ${sql.json(reply.metadata as unknown as Parameters<typeof sql.json>[0])}
      FROM messages i WHERE i.id = ${inboundId}
      ON CONFLICT (reply_to_id) WHERE direction = 'outbound' DO NOTHING
      RETURNING id, direction, message_type, content, caption, "timestamp"
    ), done AS (
      UPDATE messages SET agent_status = 'done', updated_at = now()
      WHERE id = ${inboundId} AND agent_status = 'pending'
      RETURNING id
    ), nxt AS (
      SELECT m.id, u.phone_number, u.is_active, m.direction, m.message_type, m.content,
        m.caption, m."timestamp"
      FROM messages m JOIN users u ON u.id = m.user_id
      WHERE m.user_id = ${userId} AND m.agent_status = 'pending' AND m.id <> ${inboundId}
      ORDER BY m."timestamp", m.id LIMIT 1
    ), renew AS (
      UPDATE agent_leases
        SET expires_at = now() + ${options.leaseMs} * interval '1 millisecond', updated_at = now()
      WHERE user_id = ${userId} AND owner = ${owner} AND EXISTS (SELECT 1 FROM nxt)
      RETURNING user_id
    )
    SELECT (SELECT id FROM reply) AS reply_id, (SELECT count(*) FROM done) AS done_count,
      c.id AS next_id, c.phone_number, c.is_active, EXISTS (SELECT 1 FROM renew) AS renewed${
    withInput
      ? sql`, c.id, c.direction, c.message_type, c.content, c.caption, c."timestamp",
      ${
        replyInputColumns(sql, {
          userId,
          limit: options.contextLimit ?? 0,
          insertedReply: "reply",
        })
      }`
      : sql``
  }
    FROM (SELECT 1) one LEFT JOIN nxt c ON true`;
  const row = rows[0];
  const replyId = row?.reply_id ?? null;
  if (!row || row.next_id === null) return { replyId, leased: false, next: null };
  return {
    replyId,
    leased: row.renewed,
    next: {
      id: row.next_id,
      userId,
      phoneNumber: row.phone_number!,
      userActive: row.is_active!,
    },
    ...(withInput ? { input: toReplyInput(row as ReplyInputRow) } : {}),
  };
}
