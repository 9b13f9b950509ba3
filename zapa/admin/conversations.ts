/**
 * A user's conversation as the admin sees it (contract §4.5): every message of the user,
 * newest first and paged, or deleted in one go.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { notFound } from "../http/errors.ts";
import { MAX_INT4, newRouter, paging, totalPages } from "./_router.ts";
import { UserId } from "./users.ts";

const Any = z.record(z.string(), z.unknown());
const ok = (description: string) => ({
  content: { "application/json": { schema: Any } },
  description,
});

/** MessageItem of §5.2, column for column. */
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
  request: {
    params: UserId,
    query: z.object({
      page: z.coerce.number().int().min(1).max(1_000_000).default(1),
      page_size: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: ok("{messages, total, page, page_size, total_pages}"),
    404: ok("Unknown user"),
    422: ok("Invalid"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/users/{id}/conversations",
  tags: ["admin users"],
  summary: "Delete all of a user's messages",
  request: { params: UserId },
  responses: { 200: ok("{deleted}"), 404: ok("Unknown user"), 422: ok("Invalid") },
});

export function conversationRoutes(deps: Deps) {
  const { sql } = deps;
  const app = newRouter<AdminEnv>();

  app.openapi(listRoute, async (c) => {
    const id = c.req.valid("param").id;
    const q = c.req.valid("query");
    if (!(await userExists(sql, id))) throw notFound("User not found");
    const { page, page_size, offset } = paging(q.page, q.page_size);
    const [count] = await sql<{ total: number }[]>`
      SELECT count(*)::int AS total FROM messages WHERE user_id = ${id}`;
    const messages = await sql`
      SELECT ${sql(MESSAGE_ITEM_COLUMNS as unknown as string[])} FROM messages
      WHERE user_id = ${id} ORDER BY created_at DESC, id DESC
      LIMIT ${page_size} OFFSET ${offset}`;
    const total = count?.total ?? 0;
    return c.json({
      messages: [...messages],
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
