/**
 * MessageItem of R-MSG-6: the public shape of a `messages` row. Content and caption are
 * returned exactly as stored; R-OUTPUT-1 escaping happens at serialisation.
 */
import type { Sql } from "../db/mod.ts";

export interface MessageItem {
  id: number;
  user_id: number;
  direction: string;
  message_type: string;
  content: string | null;
  caption: string | null;
  status: string | null;
  whatsapp_message_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  timestamp: string;
}

export interface MessageRow {
  id: number;
  user_id: number;
  direction: string;
  message_type: string;
  content: string | null;
  caption: string | null;
  status: string | null;
  whatsapp_message_id: string | null;
  metadata: Record<string, unknown> | null;
  created_at: Date;
  timestamp: Date;
}

/** The selected columns, as a fragment for the queries in this folder. */
export function itemColumns(sql: Sql) {
  return sql`id, user_id, direction, message_type, content, caption, status,
    whatsapp_message_id, metadata, created_at, "timestamp"`;
}

export function toItem(row: MessageRow): MessageItem {
  return {
    id: row.id,
    user_id: row.user_id,
    direction: row.direction,
    message_type: row.message_type,
    content: row.content,
    caption: row.caption,
    status: row.status,
    whatsapp_message_id: row.whatsapp_message_id,
    metadata: row.metadata ?? {},
    created_at: row.created_at.toISOString(),
    timestamp: row.timestamp.toISOString(),
  };
}

/** Escapes `\`, `%` and `_` so user text is matched literally by ILIKE (escape char `\`). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
