/**
 * A user's conversation as the admin sees it (R-ADMIN-3): every message of the user,
 * newest first and paged, or deleted in one go.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { notFound } from "../http/errors.ts";
import { itemColumns, type MessageRow, toItem } from "../messages/item.ts";
import { MessageItemSchema } from "../messages/schema.ts";
import {
  ADMIN_SECURITY,
  Detail,
  json,
  MAX_INT4,
  newRouter,
  pageQuery,
  paging,
  totalPages,
} from "./_router.ts";
import { UserId } from "./users.ts";

const Conversation = z.object({
  messages: z.array(MessageItemSchema),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  total_pages: z.number().int(),
}).openapi("Conversation");

/** MessageItem of R-MSG-6, column for column. */
export const MESSAGE_ITEM_COLUMNS = [
  "id",
  "user_id",
  "direction",
  "message_type",
  "content",
  "caption",
  "status",
  "whatsapp_message_id",
  "metadata",
  "created_at",
  "timestamp",
] as const;

async function userExists(sql: Sql, id: number): Promise<boolean> {
  if (id > MAX_INT4) return false;
  return (await sql`SELECT 1 FROM users WHERE id = ${id}`).length > 0;
}

const listRoute = createRoute({
  method: "get",
  path: "/users/{id}/conversations",
  tags: ["admin users"],
  summary: "A user's messages, newest first",
  security: ADMIN_SECURITY,
  request: { params: UserId, query: z.object(pageQuery(50)) },
  responses: {
    200: json(Conversation, "A page of messages"),
    404: json(Detail, "Unknown user"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/users/{id}/conversations",
  tags: ["admin users"],
  summary: "Delete all of a user's messages",
  security: ADMIN_SECURITY,
  request: { params: UserId },
  responses: {
    200: json(z.object({ deleted: z.number().int() }), "Deleted"),
    404: json(Detail, "Unknown user"),
  },
});

export function conversationRoutes(deps: Deps) {
  const { sql } = deps;
  const app = newRouter<AdminEnv>();

  app.openapi(listRoute, async (c) => {
    const id = c.req.valid("param").id;
    const q = c.req.valid("query");
    if (!(await userExists(sql, id))) throw notFound("User not found");
    const { page, page_size, offset } = paging(q.page ?? 1, q.page_size ?? 50);
    const [count] = await sql<{ total: number }[]>`
      SELECT count(*)::int AS total FROM messages WHERE user_id = ${id}`;
    const messages = await sql<MessageRow[]>`
      SELECT ${itemColumns(sql)} FROM messages
      WHERE user_id = ${id} ORDER BY created_at DESC, id DESC
      LIMIT ${page_size} OFFSET ${offset}`;
    const total = count?.total ?? 0;
    return c.json({
      messages: messages.map(toItem),
      total,
      page,
      page_size,
      total_pages: totalPages(total, page_size),
    }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const id = c.req.valid("param").id;
    if (!(await userExists(sql, id))) throw notFound("User not found");
    const result = await sql`DELETE FROM messages WHERE user_id = ${id}`;
    return c.json({ deleted: result.count }, 200);
  });

  return app;
}
