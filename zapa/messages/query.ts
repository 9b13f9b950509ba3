/**
 * Listing and search of one user's messages (contract §5.2). Every query is scoped by the
 * caller's `user_id` — the only way to name another user's row is to be that user. Ordering is
 * `created_at DESC, id DESC` on the `(user_id, created_at DESC, id DESC)` index; `total` is
 * exact: without a text search it comes from the per-day counters (migration 010) plus, for
 * `before_id`, a count bounded to one day of rows; with a search it counts the matches.
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

const MAX_BIGINT = 9_223_372_036_854_775_807n;

interface Anchor {
  created_at: Date;
  id: number;
}

async function anchorOf(sql: Sql, userId: number, beforeId: number): Promise<Anchor | null> {
  if (!Number.isSafeInteger(beforeId) || BigInt(beforeId) > MAX_BIGINT || beforeId < 1) {
    return null;
  }
  const [row] = await sql<Anchor[]>`SELECT created_at, id FROM messages
    WHERE id = ${beforeId} AND user_id = ${userId}`;
  return row ?? null;
}

function filters(sql: Sql, userId: number, options: ListOptions, anchor: Anchor | null) {
  const direction = options.direction ? sql`AND direction = ${options.direction}` : sql``;
  const before = anchor ? sql`AND (created_at, id) < (${anchor.created_at}, ${anchor.id})` : sql``;
  const pattern = options.search ? likePattern(options.search) : null;
  const search = pattern ? sql`AND (content ILIKE ${pattern} OR caption ILIKE ${pattern})` : sql``;
  return sql`user_id = ${userId} ${direction} ${before} ${search}`;
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
  const where = filters(sql, userId, options, anchor);
  const [rows, total] = await Promise.all([
    sql<MessageRow[]>`SELECT ${itemColumns(sql)} FROM messages WHERE ${where}
      ORDER BY created_at DESC, id DESC LIMIT ${options.limit} OFFSET ${options.offset}`,
    options.search ? countMatching(sql, where) : countFromCounters(sql, userId, options, anchor),
  ]);
  return { items: rows.map(toItem), total };
}

async function countMatching(sql: Sql, where: ReturnType<typeof filters>): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::bigint AS n FROM messages
    WHERE ${where}`;
  return Number(row?.n ?? 0);
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
    WITH d AS (SELECT (${anchor.created_at}::timestamptz AT TIME ZONE 'UTC')::date AS day)
    SELECT (SELECT coalesce(sum(count), 0) FROM message_day_counts, d
              WHERE user_id = ${userId} AND message_day_counts.day < d.day ${direction})
         + (SELECT count(*) FROM messages, d
              WHERE user_id = ${userId} ${direction}
                AND created_at >= (d.day::timestamp AT TIME ZONE 'UTC')
                AND (created_at, id) < (${anchor.created_at}, ${anchor.id})) AS n`;
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
