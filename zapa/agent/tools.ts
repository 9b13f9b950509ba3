/**
 * The six history tools (R-TOOLS-*), always scoped to the user being answered. Arguments
 * are validated with zod; numeric limits get their default when missing and are capped (not
 * rejected) when too large. Results and errors go back to the model as JSON text; an error is
 * `{"error": "…"}`. Database connection errors propagate so the pipeline retries later.
 */
import { z } from "zod";
import type { Sql } from "../db/mod.ts";
import { isDependencyError } from "../outage.ts";
import { messageStats } from "../messages/stats.ts";
import type { ToolSpec } from "./adapters/types.ts";
import { renderContent } from "./context.ts";
import { extractTasks } from "./tasks.ts";

export interface ToolContext {
  sql: Sql;
  userId: number;
  /**
   * The message being answered (0: none). Search sees only what came before it: not the
   * message itself, nor a copy of it the user sent while it was being answered, nor replies.
   */
  excludeMessageId: number;
}

/** One message as tools return it. */
export interface ToolMessage {
  message_id: number;
  content: string;
  direction: string;
  timestamp: string;
}

/** Longest message text handed to the model in a tool result. */
const MAX_CONTENT_CHARS = 1_000;

/** A positive integer with a default; larger values are capped, smaller ones raised to 1. */
function capped(fallback: number, cap: number) {
  return z.preprocess(
    (v) => (v === null || v === "" ? undefined : v),
    z.coerce.number().int().optional(),
  ).transform((v) => (v === undefined ? fallback : Math.min(cap, Math.max(1, v))));
}

const isoDate = z.string().trim().min(1).refine((s) => !Number.isNaN(Date.parse(s)), {
  message: "must be an ISO date such as 2024-05-01 or 2024-05-01T09:00:00Z",
});

export const TOOL_ARGS = {
  search_messages: z.object({
    query: z.string().trim().min(1, "query is required").max(500),
    limit: capped(10, 50),
  }),
  get_recent_messages: z.object({ count: capped(20, 100) }),
  get_messages_by_date_range: z.object({ start_date: isoDate, end_date: isoDate }),
  get_conversation_stats: z.object({}),
  summarize_chat: z.object({ last_n_messages: capped(50, 100) }),
  extract_tasks: z.object({ last_n_messages: capped(100, 200) }),
} as const;

export type ToolName = keyof typeof TOOL_ARGS;

const int = (description: string) => ({ type: "integer" as const, description });
const str = (description: string) => ({ type: "string" as const, description });

export const TOOL_SPECS: ToolSpec[] = [
  {
    name: "search_messages",
    description:
      "Search this user's earlier WhatsApp messages (both directions) for a word or phrase. " +
      "Returns the newest matches first.",
    parameters: {
      type: "object",
      properties: {
        query: str("Text to look for (case-insensitive)."),
        limit: int("Maximum results (default 10, at most 50)."),
      },
      required: ["query"],
    },
  },
  {
    name: "get_recent_messages",
    description: "The user's most recent messages, oldest first.",
    parameters: {
      type: "object",
      properties: { count: int("How many messages (default 20, at most 100).") },
    },
  },
  {
    name: "get_messages_by_date_range",
    description: "Messages between two dates (inclusive), oldest first, at most 100.",
    parameters: {
      type: "object",
      properties: {
        start_date: str("ISO date or date-time, e.g. 2024-05-01."),
        end_date: str("ISO date or date-time; a plain date includes that whole day."),
      },
      required: ["start_date", "end_date"],
    },
  },
  {
    name: "get_conversation_stats",
    description:
      "Statistics about the conversation: totals sent and received, first and last message dates, average per day.",
    parameters: { type: "object", properties: {} },
  },
  {
    name: "summarize_chat",
    description: "The last messages of the conversation, oldest first, for you to summarise.",
    parameters: {
      type: "object",
      properties: { last_n_messages: int("How many messages (default 50, at most 100).") },
    },
  },
  {
    name: "extract_tasks",
    description:
      "Tasks, to-dos and reminders the user mentioned in recent messages (lines with todo, task, remind, need to, should, must, have to, don't forget, remember to).",
    parameters: {
      type: "object",
      properties: { last_n_messages: int("How many messages to scan (default 100, at most 200).") },
    },
  },
];

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOL_ARGS, name);
}

interface Row {
  id: number;
  direction: string;
  message_type: string;
  content: string | null;
  caption: string | null;
  timestamp: Date;
}

function toToolMessage(row: Row): ToolMessage {
  const text = renderContent(row);
  return {
    message_id: row.id,
    content: text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text,
    direction: row.direction,
    timestamp: row.timestamp.toISOString(),
  };
}

/** `%`, `_` and `\` match themselves in the ILIKE pattern. */
export function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, "\\$&")}%`;
}

/** The last `n` non-system messages, oldest first. */
async function lastMessages(ctx: ToolContext, n: number): Promise<Row[]> {
  const rows = await ctx.sql<Row[]>`
    SELECT id, direction, message_type, content, caption, "timestamp" FROM messages
     WHERE user_id = ${ctx.userId} AND direction IN ('inbound', 'outbound')
     ORDER BY "timestamp" DESC, id DESC LIMIT ${n}`;
  return rows.reverse();
}

/** End of a range: a plain date means the whole day (exclusive bound the next midnight). */
function rangeEnd(value: string): Date {
  const date = new Date(Date.parse(value));
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(date.getTime() + 86_400_000);
  return new Date(date.getTime() + 1);
}

async function execute(ctx: ToolContext, name: ToolName, raw: unknown): Promise<unknown> {
  switch (name) {
    case "search_messages": {
      const args = TOOL_ARGS.search_messages.parse(raw);
      const pattern = likePattern(args.query);
      const rows = await ctx.sql<Row[]>`
        SELECT id, direction, message_type, content, caption, "timestamp" FROM messages
         WHERE user_id = ${ctx.userId} AND direction IN ('inbound', 'outbound')
           AND id < ${ctx.excludeMessageId || Number.MAX_SAFE_INTEGER}
           AND (content ILIKE ${pattern} ESCAPE '\\' OR caption ILIKE ${pattern} ESCAPE '\\')
         ORDER BY "timestamp" DESC, id DESC LIMIT ${args.limit}`;
      return rows.map(toToolMessage);
    }
    case "get_recent_messages": {
      const args = TOOL_ARGS.get_recent_messages.parse(raw);
      return (await lastMessages(ctx, args.count)).map(toToolMessage);
    }
    case "get_messages_by_date_range": {
      const args = TOOL_ARGS.get_messages_by_date_range.parse(raw);
      const start = new Date(Date.parse(args.start_date));
      const end = rangeEnd(args.end_date);
      if (end <= start) return { error: "end_date must not be before start_date" };
      const rows = await ctx.sql<Row[]>`
        SELECT id, direction, message_type, content, caption, "timestamp" FROM messages
         WHERE user_id = ${ctx.userId} AND direction IN ('inbound', 'outbound')
           AND "timestamp" >= ${start} AND "timestamp" < ${end}
         ORDER BY "timestamp", id LIMIT 100`;
      return rows.map(toToolMessage);
    }
    case "get_conversation_stats": {
      TOOL_ARGS.get_conversation_stats.parse(raw);
      const { daily: _daily, ...stats } = await messageStats(ctx.sql, ctx.userId, { daily: false });
      return stats;
    }
    case "summarize_chat": {
      const args = TOOL_ARGS.summarize_chat.parse(raw);
      return (await lastMessages(ctx, args.last_n_messages)).map(toToolMessage);
    }
    case "extract_tasks": {
      const args = TOOL_ARGS.extract_tasks.parse(raw);
      return extractTasks(await lastMessages(ctx, args.last_n_messages));
    }
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ");
}

/**
 * Runs one tool call and returns the JSON text for the model. Bad arguments, unknown tools and
 * query failures become `{"error": …}`; a lost database connection is thrown.
 */
export async function runTool(ctx: ToolContext, name: string, args: unknown): Promise<string> {
  if (!isToolName(name)) return JSON.stringify({ error: `unknown tool: ${name.slice(0, 100)}` });
  try {
    return JSON.stringify(await execute(ctx, name, args ?? {}));
  } catch (error) {
    if (error instanceof z.ZodError) {
      return JSON.stringify({ error: `invalid arguments: ${issuesText(error)}` });
    }
    if (isDependencyError(error)) throw error;
    return JSON.stringify({ error: `${name} failed; try again later` });
  }
}
