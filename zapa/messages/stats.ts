/**
 * Conversation statistics for one user (R-MSG-8 `/messages/stats`, and the agent's
 * `get_conversation_stats` tool). `messages_sent` counts inbound rows (written by the user),
 * `messages_received` outbound rows; the average is total ÷ whole days since the first
 * message (at least 1), to 2 decimals; `daily` covers the last 30 UTC days, zero-filled.
 */
import type { Sql } from "../db/mod.ts";

export interface DailyCount {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  count: number;
}

export interface MessageStats {
  total_messages: number;
  messages_sent: number;
  messages_received: number;
  first_message_date: string | null;
  last_message_date: string | null;
  average_messages_per_day: number;
  daily?: DailyCount[];
}

const DAY_MS = 86_400_000;
export const DAILY_DAYS = 30;

/** Computes the R-MSG-8 stats object; `daily` is included only when asked for. */
export async function messageStats(
  sql: Sql,
  userId: number,
  options: { daily: boolean; now?: Date } = { daily: false },
): Promise<MessageStats> {
  const now = options.now ?? new Date();
  // Totals come from the per-day counters kept by triggers (migration 010), so they stay fast
  // for users with millions of rows; first/last are two probes of the (user_id, created_at) index.
  const [[totals], [bounds], daily] = await Promise.all([
    sql<{ total: number; sent: number; received: number }[]>`SELECT
        coalesce(sum(count), 0)::bigint AS total,
        coalesce(sum(count) FILTER (WHERE direction = 'inbound'), 0)::bigint AS sent,
        coalesce(sum(count) FILTER (WHERE direction = 'outbound'), 0)::bigint AS received
      FROM message_day_counts WHERE user_id = ${userId}`,
    sql<{ first: Date | null; last: Date | null }[]>`SELECT
      (SELECT created_at FROM messages WHERE user_id = ${userId}
        ORDER BY created_at ASC, id ASC LIMIT 1) AS first,
      (SELECT created_at FROM messages WHERE user_id = ${userId}
        ORDER BY created_at DESC, id DESC LIMIT 1) AS last`,
    options.daily ? dailyCounts(sql, userId, now) : Promise.resolve(undefined),
  ]);
  const total = Number(totals?.total ?? 0);
  const first = bounds?.first ?? null;
  const days = first ? Math.max(1, Math.floor((now.getTime() - first.getTime()) / DAY_MS)) : 1;
  const stats: MessageStats = {
    total_messages: total,
    messages_sent: Number(totals?.sent ?? 0),
    messages_received: Number(totals?.received ?? 0),
    first_message_date: first ? first.toISOString() : null,
    last_message_date: bounds?.last ? bounds.last.toISOString() : null,
    average_messages_per_day: Math.round((total / days) * 100) / 100,
  };
  if (daily) stats.daily = daily;
  return stats;
}

/** The last 30 UTC days ending today, oldest first, zero-filled. */
async function dailyCounts(sql: Sql, userId: number, now: Date): Promise<DailyCount[]> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = new Date(today - (DAILY_DAYS - 1) * DAY_MS);
  const rows = await sql<{ day: string; count: number }[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(count)::bigint AS count
      FROM message_day_counts
     WHERE user_id = ${userId} AND day >= ${start.toISOString().slice(0, 10)}::date
     GROUP BY day`;
  const byDay = new Map(rows.map((r) => [r.day, Number(r.count)]));
  const out: DailyCount[] = [];
  for (let i = 0; i < DAILY_DAYS; i++) {
    const day = new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10);
    out.push({ day, count: byDay.get(day) ?? 0 });
  }
  return out;
}
