/**
 * Shared pieces of the admin routers: an OpenAPIHono whose zod failures are the §3 422
 * `{detail}`, and the paging arithmetic every list uses.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { validationDetail } from "../http/app.ts";
import { JSON_CONTENT_TYPE, safeStringify } from "../http/json.ts";

/** A sub-router that renders validation failures like the app does (422 `{detail}`). */
export function newRouter<E extends Env = Env>(): OpenAPIHono<E> {
  const app = new OpenAPIHono<E>({
    strict: false,
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.body(safeStringify({ detail: validationDetail(result.error.issues) }), 422, {
          "content-type": JSON_CONTENT_TYPE,
        });
      }
    },
  });
  // Every admin body is JSON whatever the Content-Type says (fetch labels a string body
  // text/plain): read it as JSON, so a bad body is the 422 of §3 rather than a 415.
  app.use("*", async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (["POST", "PUT", "PATCH"].includes(c.req.method) && !/^application\/json/i.test(type)) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      c.req.raw = new Request(c.req.raw, { headers });
    }
    await next();
  });
  return app;
}

/** PostgreSQL `integer` upper bound: larger ids cannot exist, so they are simply unknown. */
export const MAX_INT4 = 2_147_483_647;

export interface Paging {
  page: number;
  page_size: number;
  offset: number;
}

export function paging(page: number, pageSize: number): Paging {
  return { page, page_size: pageSize, offset: (page - 1) * pageSize };
}

export function totalPages(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** Escapes `\`, `%` and `_` so user text is matched literally by ILIKE (default escape `\`). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
