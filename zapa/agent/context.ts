/**
 * What the model sees (R-CONTEXT-*): the system prompt (base prompt, today's date, the
 * user's custom instructions) and the conversation — the previous `contextMessages` messages
 * in (`timestamp`, `id`) order, inbound as `user` and outbound as `assistant` turns, system
 * rows skipped, media as `[image] caption` — ending with the message being answered.
 */
import type { Sql } from "../db/mod.ts";
import type { ChatMessage } from "./adapters/types.ts";
import type { StoredLlmConfig } from "./llm_configs.ts";

export interface MessageRow {
  id: number;
  direction: "inbound" | "outbound" | "system";
  message_type: string;
  content: string | null;
  caption: string | null;
  timestamp: Date;
}

export class MessageNotFound extends Error {
  override name = "MessageNotFound";
}

export const BASE_PROMPT =
  "You are Zapa, a helpful personal assistant chatting with the user on WhatsApp. " +
  "You can search this user's message history with the tools provided (search messages, " +
  "recent messages, messages by date, conversation statistics, chat summaries and tasks); " +
  "use them when the user asks about earlier messages. Reply briefly, in plain text, without " +
  "Markdown.";

/** Loads the message being answered and the window before it; DB errors propagate. */
export async function loadConversation(
  sql: Sql,
  input: { userId: number; messageId: number; limit: number },
): Promise<{ current: MessageRow; history: MessageRow[] }> {
  const [current] = await sql<MessageRow[]>`
    SELECT id, direction, message_type, content, caption, "timestamp"
      FROM messages WHERE id = ${input.messageId} AND user_id = ${input.userId}`;
  if (!current) {
    throw new MessageNotFound(`message ${input.messageId} of user ${input.userId} not found`);
  }
  const history = input.limit <= 0 ? [] : await sql<MessageRow[]>`
    SELECT id, direction, message_type, content, caption, "timestamp"
      FROM messages
     WHERE user_id = ${input.userId} AND direction IN ('inbound', 'outbound')
       AND ("timestamp", id) < (${current.timestamp}, ${current.id})
     ORDER BY "timestamp" DESC, id DESC
     LIMIT ${input.limit}`;
  return { current, history: history.reverse() };
}

/** The message being answered, the window before it and the user's active LLM configs. */
export interface ReplyInput {
  current: MessageRow;
  history: MessageRow[];
  configs: StoredLlmConfig[];
}

/**
 * The history window and LLM configs of the message aliased `c` in the surrounding query, as
 * two JSON columns: lets one statement load everything a reply needs (or claim the message and
 * load it at once, see the agent worker's claim).
 */
export function replyInputColumns(
  sql: Sql,
  input: { userId: number; limit: number; insertedReply?: string },
) {
  const limit = Math.max(0, input.limit);
  const window = sql`SELECT id, direction, message_type, content, caption, "timestamp"
                 FROM messages
                WHERE user_id = ${input.userId} AND direction IN ('inbound', 'outbound')
                  AND ("timestamp", id) < (c."timestamp", c.id)
                ORDER BY "timestamp" DESC, id DESC
                LIMIT ${limit}`;
  // A row inserted by the same statement (CTE `insertedReply`) is not in its snapshot: it
  // joins the window from the CTE's RETURNING, so the window is the one a later statement
  // would read.
  const rows = input.insertedReply
    ? sql`SELECT * FROM ((${window}) UNION ALL
               (SELECT id, direction, message_type, content, caption, "timestamp"
                  FROM ${sql(input.insertedReply)}
                 WHERE direction IN ('inbound', 'outbound')
                   AND ("timestamp", id) < (c."timestamp", c.id))) w
              ORDER BY "timestamp" DESC, id DESC LIMIT ${limit}`
    : window;
  return sql`
      (SELECT coalesce(json_agg(h ORDER BY h."timestamp" DESC, h.id DESC), '[]')
         FROM (${rows}) h) AS history,
      (SELECT coalesce(json_agg(l ORDER BY l.priority), '[]')
         FROM (SELECT id, priority, provider, api_key_encrypted, model_settings
                 FROM llm_configs
                WHERE user_id = ${input.userId} AND is_active AND priority IN (0, 1)) l) AS configs`;
}

/** A row of a query that selected `c`'s columns and `replyInputColumns`. */
export type ReplyInputRow = MessageRow & { history: JsonRow[]; configs: StoredLlmConfig[] };

export function toReplyInput(row: ReplyInputRow): ReplyInput {
  const { history, configs, ...rest } = row;
  const current: MessageRow = {
    id: rest.id,
    direction: rest.direction,
    message_type: rest.message_type,
    content: rest.content,
    caption: rest.caption,
    timestamp: rest.timestamp,
  };
  return {
    current,
    history: history.map((h) => ({ ...h, timestamp: new Date(h.timestamp) })).reverse(),
    configs,
  };
}

/**
 * `loadConversation` plus the user's active primary and fallback LLM configs, in one statement
 * (one round trip and one snapshot per reply instead of three). Same rows, same order, same
 * errors as the separate loads.
 */
export async function loadReplyInput(
  sql: Sql,
  input: { userId: number; messageId: number; limit: number },
): Promise<ReplyInput> {
  const [row] = await sql<ReplyInputRow[]>`
    SELECT c.id, c.direction, c.message_type, c.content, c.caption, c."timestamp",
      ${replyInputColumns(sql, input)}
    FROM messages c WHERE c.id = ${input.messageId} AND c.user_id = ${input.userId}`;
  if (!row) {
    throw new MessageNotFound(`message ${input.messageId} of user ${input.userId} not found`);
  }
  return toReplyInput(row);
}

type JsonRow = Omit<MessageRow, "timestamp"> & { timestamp: string };

/** The text of a message as the model sees it: media as `[image] caption`. */
export function renderContent(row: Pick<MessageRow, "message_type" | "content" | "caption">) {
  if (row.message_type === "text" || !row.message_type) {
    return (row.content ?? row.caption ?? "").trim();
  }
  const caption = row.caption?.trim();
  return caption ? `[${row.message_type}] ${caption}` : `[${row.message_type}]`;
}

/** Longest history turn / current message handed to the model (storage keeps everything). */
export const MAX_HISTORY_CHARS = 4_000;
export const MAX_CURRENT_CHARS = 16_000;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** History turns plus the current message as the final user turn. */
export function buildTurns(history: readonly MessageRow[], current: MessageRow): ChatMessage[] {
  const turns: ChatMessage[] = [];
  for (const row of history) {
    if (row.direction === "system" || row.id === current.id) continue;
    const text = cut(renderContent(row), MAX_HISTORY_CHARS);
    if (!text) continue;
    turns.push(row.direction === "inbound" ? { role: "user", text } : { role: "assistant", text });
  }
  turns.push({
    role: "user",
    text: cut(renderContent(current), MAX_CURRENT_CHARS) || "(empty message)",
  });
  return turns;
}

// One formatter for every reply: building it (what toLocaleDateString does per call) costs more
// than the rest of the prompt.
const DATE_FORMAT = new Intl.DateTimeFormat("en-GB", {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

/** Base prompt, then today's date, then the user's own instructions (if any). */
export function systemPrompt(options: { now: Date; customInstructions?: string | null }): string {
  const date = DATE_FORMAT.format(options.now);
  const parts = [
    BASE_PROMPT,
    `Today's date is ${date} (${options.now.toISOString().slice(0, 10)}, UTC).`,
  ];
  const custom = options.customInstructions?.trim();
  if (custom) parts.push(`Instructions from the user:\n${custom}`);
  return parts.join("\n\n");
}
