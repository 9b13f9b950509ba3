/**
 * Listing and search of one user's messages (R-MSG-*). Every query is scoped by the
 * caller's `user_id` — the only way to name another user's row is to be that user. Ordering is
 * `created_at DESC, id DESC` on the `(user_id, created_at DESC, id DESC)` index; `total` is
 * exact: without a text search it comes from the per-day counters (migration 010) plus, for
 * `before_id`, a count bounded to one day of rows; with a search it counts the matches.
 *
 * Text searches run as unnamed statements (still parameterised) so PostgreSQL plans each one
 * with its actual pattern: a cached generic plan cannot see that a rare word makes the trigram
 * index the right path, and would scan the user's whole history instead.
 */
import type { Sql } from "../db/mod.ts";
import { itemColumns, likePattern, type MessageItem, type MessageRow, toItem } from "./item.ts";

export type Direction = "inbound" | "outbound" | "system";

export interface ListOptions {
  limit: number;
  offset: number;
  beforeId?: number | null;
  direction?: Direction | null;
  search?: string | null;
}

export interface MessagePage {
  items: MessageItem[];
  total: number;
}

/**
 * The row `before_id` names, with its timestamp as exact text: JS dates (and postgres.js's
 * timestamptz parameters) drop microseconds, so it travels as `text` and is cast in SQL.
 */
interface Anchor {
  ts: string;
  id: number;
}

const MAX_ID = 2 ** 53 - 1;

async function anchorOf(sql: Sql, userId: number, beforeId: number): Promise<Anchor | null> {
  if (!Number.isSafeInteger(beforeId) || beforeId < 1 || beforeId > MAX_ID) return null;
  const [row] = await sql<Anchor[]>`SELECT created_at::text AS ts, id FROM messages
    WHERE id = ${beforeId} AND user_id = ${userId}`;
  return row ?? null;
}

/** One page of the user's messages, newest first, with the exact total of matching rows. */
export async function listMessages(
  sql: Sql,
  userId: number,
  options: ListOptions,
): Promise<MessagePage> {
  let anchor: Anchor | null = null;
  if (options.beforeId != null) {
    anchor = await anchorOf(sql, userId, options.beforeId);
    // An unknown (or someone else's) message has no older rows for this caller.
    if (!anchor) return { items: [], total: 0 };
  }
  if (options.search) return await searchPage(sql, userId, options, options.search, anchor);
  const direction = options.direction ? sql`AND direction = ${options.direction}` : sql``;
  const before = anchor
    ? sql`AND (created_at, id) < (${anchor.ts}::text::timestamptz, ${anchor.id})`
    : sql``;
  const [rows, total] = await Promise.all([
    sql<MessageRow[]>`SELECT ${itemColumns(sql)} FROM messages
      WHERE user_id = ${userId} ${direction} ${before}
      ORDER BY created_at DESC, id DESC LIMIT ${options.limit} OFFSET ${options.offset}`,
    countFromCounters(sql, userId, options, anchor),
  ]);
  return { items: rows.map(toItem), total };
}

async function searchPage(
  sql: Sql,
  userId: number,
  options: ListOptions,
  text: string,
  anchor: Anchor | null,
): Promise<MessagePage> {
  const params: (string | number)[] = [userId, likePattern(text)];
  let where = "user_id = $1 AND (content ILIKE $2 OR caption ILIKE $2)";
  if (options.direction) {
    params.push(options.direction);
    where += ` AND direction = $${params.length}`;
  }
  if (anchor) {
    params.push(anchor.ts, anchor.id);
    where += ` AND (created_at, id) < ($${
      params.length - 1
    }::text::timestamptz, $${params.length})`;
  }
  const n = params.length;
  // Page and count run side by side: each is a bitmap scan of the trigram index.
  const [rows, counted] = await Promise.all([
    sql.unsafe<MessageRow[]>(
      `SELECT id, user_id, direction, message_type, content, caption, status,
        whatsapp_message_id, metadata, created_at, "timestamp" FROM messages WHERE ${where}
        ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, options.limit, options.offset],
      { prepare: false },
    ),
    sql.unsafe<{ n: number }[]>(
      `SELECT count(*)::bigint AS n FROM messages WHERE ${where}`,
      params,
      { prepare: false },
    ),
  ]);
  return { items: rows.map(toItem), total: Number(counted[0]?.n ?? 0) };
}

async function countFromCounters(
  sql: Sql,
  userId: number,
  options: ListOptions,
  anchor: Anchor | null,
): Promise<number> {
  const direction = options.direction ? sql`AND direction = ${options.direction}` : sql``;
  if (!anchor) {
    const [row] = await sql<{ n: number }[]>`SELECT coalesce(sum(count), 0)::bigint AS n
      FROM message_day_counts WHERE user_id = ${userId} ${direction}`;
    return Number(row?.n ?? 0);
  }
  // Whole days before the anchor's UTC day from the counters, plus the anchor's own day counted.
  const [row] = await sql<{ n: number }[]>`
    WITH d AS (SELECT (${anchor.ts}::text::timestamptz AT TIME ZONE 'UTC')::date AS day)
    SELECT (SELECT coalesce(sum(count), 0) FROM message_day_counts, d
              WHERE user_id = ${userId} AND message_day_counts.day < d.day ${direction})
         + (SELECT count(*) FROM messages, d
              WHERE user_id = ${userId} ${direction}
                AND created_at >= (d.day::timestamp AT TIME ZONE 'UTC')
                AND (created_at, id) < (${anchor.ts}::text::timestamptz, ${anchor.id})) AS n`;
  return Number(row?.n ?? 0);
}

/** `/messages/search`: the same listing restricted to a text query. */
export async function searchMessages(
  sql: Sql,
  userId: number,
  query: string,
  options: { limit: number; offset: number },
): Promise<MessagePage> {
  return await listMessages(sql, userId, { ...options, search: query });
}
