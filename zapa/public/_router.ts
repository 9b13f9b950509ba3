/**
 * Shared pieces of the public routers: an OpenAPIHono whose zod failures are the §3 422
 * `{detail}`, JSON bodies read as JSON whatever their Content-Type says, and response helpers.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
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
  // fetch labels a string body text/plain; without this a JSON body sent that way would skip
  // validation. Every public body is JSON, so read it as JSON (bad JSON → 422).
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

export const Detail = z.object({ detail: z.string() }).openapi("Detail");

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

export const BEARER = [{ bearerAuth: [] }];

/** 401 + 503 documented on every Bearer route. */
export const AUTH_RESPONSES = {
  401: json(Detail, "Missing, invalid, expired or revoked token"),
  503: json(Detail, "A dependency is unavailable"),
};
