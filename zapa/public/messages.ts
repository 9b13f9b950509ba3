/**
 * The messages API (contract §5.2), Bearer only and scoped to the caller: listing with paging,
 * `before_id`, `direction` and `search`; search; stats (also at `/stats`); streamed exports.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { requireUser, type UserEnv } from "../auth/guards.ts";
import { ApiError } from "../http/errors.ts";
import { markEscaped } from "../http/json.ts";
import {
  csvStream,
  exportFilename,
  exportRows,
  jsonStream,
  listMessages,
  messageStats,
  prefetched,
} from "../messages/mod.ts";
import { AUTH_RESPONSES, BEARER, Detail, json, newRouter } from "./_router.ts";

const MAX_OFFSET = 10_000_000;
const MAX_QUERY = 500;

/** A query integer: digits only (no `1e3`, no `-1`), else a 422 naming the field. */
const queryInt = (name: string, min: number, max: number) =>
  z.string().regex(/^\d{1,10}$/, `${name} must be an integer`).transform(Number).pipe(
    z.number().int().min(min, `${name} must be ≥ ${min}`).max(max, `${name} must be ≤ ${max}`),
  );

const MessageItem = z.object({
  id: z.number(),
  user_id: z.number(),
  direction: z.string(),
  message_type: z.string(),
  content: z.string().nullable(),
  caption: z.string().nullable(),
  status: z.string().nullable(),
  whatsapp_message_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  timestamp: z.string(),
}).openapi("MessageItem");

const listRoute = createRoute({
  method: "get",
  path: "/messages",
  tags: ["messages"],
  summary: "List the caller's messages, newest first",
  security: BEARER,
  request: {
    query: z.object({
      limit: queryInt("limit", 1, 100).optional(),
      offset: queryInt("offset", 0, MAX_OFFSET).optional(),
      skip: queryInt("skip", 0, MAX_OFFSET).optional(),
      before_id: z.string().regex(/^\d{1,19}$/, "before_id must be a message id").transform(Number)
        .optional(),
      direction: z.enum(["inbound", "outbound", "system"]).optional().or(z.literal("")),
      search: z.string().max(MAX_QUERY).optional(),
    }),
  },
  responses: {
    200: json(
      z.object({
        items: z.array(MessageItem),
        total: z.number(),
        limit: z.number(),
        offset: z.number(),
        has_more: z.boolean(),
      }),
      "A page of messages",
    ),
    422: json(Detail, "Bad query parameter"),
    ...AUTH_RESPONSES,
  },
});

const searchRoute = createRoute({
  method: "get",
  path: "/messages/search",
  tags: ["messages"],
  summary: "Search the caller's messages (content and caption)",
  security: BEARER,
  request: {
    query: z.object({
      q: z.string().max(MAX_QUERY).optional(),
      query: z.string().max(MAX_QUERY).optional(),
      limit: queryInt("limit", 1, 100).optional(),
      offset: queryInt("offset", 0, MAX_OFFSET).optional(),
      skip: queryInt("skip", 0, MAX_OFFSET).optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(MessageItem), total: z.number(), query: z.string() }),
      "Matching messages, newest first",
    ),
    400: json(Detail, "Empty query"),
    422: json(Detail, "Bad query parameter"),
    ...AUTH_RESPONSES,
  },
});

const DailyCount = z.object({ day: z.string(), count: z.number() });
const Stats = z.object({
  total_messages: z.number(),
  messages_sent: z.number(),
  messages_received: z.number(),
  first_message_date: z.string().nullable(),
  last_message_date: z.string().nullable(),
  average_messages_per_day: z.number(),
  daily: z.array(DailyCount),
}).openapi("MessageStats");

const statsRoutes = ["/messages/stats", "/stats"].map((path) =>
  createRoute({
    method: "get",
    path,
    tags: ["messages"],
    summary: path === "/stats" ? "Alias of /messages/stats" : "The caller's message statistics",
    security: BEARER,
    responses: { 200: json(Stats, "Statistics"), ...AUTH_RESPONSES },
  })
);

const exportRoute = createRoute({
  method: "get",
  path: "/messages/export",
  tags: ["messages"],
  summary: "Download every message of the caller (JSON or CSV), streamed",
  security: BEARER,
  request: { query: z.object({ format: z.enum(["json", "csv"]).default("json") }) },
  responses: {
    200: {
      description: "A file download",
      content: {
        "application/json": { schema: z.array(MessageItem) },
        "text/csv": { schema: z.string() },
      },
    },
    422: json(Detail, "Unknown format"),
    ...AUTH_RESPONSES,
  },
});

export function messageRoutes(deps: Deps) {
  const app = newRouter<UserEnv>();
  const guard = requireUser(deps);
  for (const path of ["/messages", "/messages/*", "/stats"]) app.use(path, guard);

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const limit = q.limit ?? 50;
    const offset = q.offset ?? q.skip ?? 0;
    const page = await listMessages(deps.sql, c.get("user").user_id, {
      limit,
      offset,
      beforeId: q.before_id ?? null,
      direction: q.direction || null,
      search: q.search?.trim() || null,
    });
    return c.json({
      items: page.items,
      total: page.total,
      limit,
      offset,
      has_more: offset + page.items.length < page.total,
    }, 200);
  });

  app.openapi(searchRoute, async (c) => {
    const q = c.req.valid("query");
    const text = (q.q ?? q.query ?? "").trim();
    if (!text) throw new ApiError(400, "Search query must not be empty");
    const limit = q.limit ?? 20;
    const offset = q.offset ?? q.skip ?? 0;
    const page = await listMessages(deps.sql, c.get("user").user_id, {
      limit,
      offset,
      search: text,
    });
    return c.json({ items: page.items, total: page.total, query: text }, 200);
  });

  for (const route of statsRoutes) {
    app.openapi(route, async (c) => {
      const stats = await messageStats(deps.sql, c.get("user").user_id, { daily: true });
      return c.json({ ...stats, daily: stats.daily ?? [] }, 200);
    });
  }

  app.openapi(exportRoute, async (c) => {
    const { format } = c.req.valid("query");
    const userId = c.get("user").user_id;
    const batches = await prefetched(exportRows(deps.sql, userId));
    const headers = {
      "content-disposition": `attachment; filename="${exportFilename(userId, format)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    };
    if (format === "csv") {
      return new Response(csvStream(batches), {
        headers: { ...headers, "content-type": "text/csv; charset=utf-8" },
      }) as never;
    }
    return markEscaped(
      new Response(jsonStream(batches), {
        headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      }),
    ) as never;
  });

  return app;
}
