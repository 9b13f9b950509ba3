/**
 * The messages API (R-MSG-*), Bearer only and scoped to the caller: listing with paging,
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
import { MessageItemSchema } from "../messages/schema.ts";
import { intParam } from "../http/params.ts";
import { NONBLANK_TEXT_PATTERN, textProblem } from "../http/text_input.ts";
import { AUTH_RESPONSES, BEARER, Detail, json, newRouter } from "./_router.ts";

const MAX_OFFSET = 10_000_000;
const MAX_QUERY = 500;
const EMPTY_QUERY = "Search query must not be empty";

const MessageItem = MessageItemSchema;

const listRoute = createRoute({
  method: "get",
  path: "/messages",
  tags: ["messages"],
  summary: "List the caller's messages, newest first",
  security: BEARER,
  request: {
    query: z.object({
      limit: intParam("limit", 1, 100).optional(),
      offset: intParam("offset", 0, MAX_OFFSET).optional(),
      skip: intParam("skip", 0, MAX_OFFSET).optional(),
      before_id: intParam("before_id", 1, Number.MAX_SAFE_INTEGER).optional(),
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
      // Blank is the contract's 400, so the pattern is published but checked by the handler.
      q: z.string().max(MAX_QUERY).openapi({
        pattern: NONBLANK_TEXT_PATTERN,
        description: "Search text (not blank; `query` is accepted as an alias)",
      }),
      limit: intParam("limit", 1, 100).optional(),
      offset: intParam("offset", 0, MAX_OFFSET).optional(),
      skip: intParam("skip", 0, MAX_OFFSET).optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(MessageItem), total: z.number(), query: z.string() }),
      "Matching messages, newest first",
    ),
    400: json(Detail, "Blank query"),
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

  // `?query=` is the alias of `?q=`: rewritten before validation, so both meet the same rules.
  app.use(searchRoute.path, async (c, next) => {
    const url = new URL(c.req.url);
    const alias = url.searchParams.get("query");
    // No query at all is the contract's 400 too, like a blank one.
    if (!url.searchParams.has("q") && alias === null) throw new ApiError(400, EMPTY_QUERY);
    if (!url.searchParams.has("q") && alias !== null) {
      const problem = textProblem(alias);
      if (problem) throw new ApiError(422, `query: ${problem}`);
      url.searchParams.set("q", alias);
      c.req.raw = new Request(url, c.req.raw);
    }
    await next();
  });

  app.openapi(searchRoute, async (c) => {
    const q = c.req.valid("query");
    const text = q.q.trim();
    if (!text) throw new ApiError(400, EMPTY_QUERY);
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
