/**
 * The sub-router every API module builds on: an OpenAPIHono whose zod failures are the R-HTTP-3 422
 * `{detail}`, and whose JSON bodies are read as JSON whatever their Content-Type says.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { JSON_CONTENT_TYPE, safeStringify } from "./json.ts";

/** zod issues → a readable 422 detail: `"model_settings.temperature: Too big: expected ≤2"`. */
export function validationDetail(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues.slice(0, 5).map((i) =>
    i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message
  ).join("; ");
}

/** An OpenAPIHono whose request-validation failures are the R-HTTP-3 422 `{detail}`. */
export function validatingHono<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({
    strict: false,
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.body(safeStringify({ detail: validationDetail(result.error.issues) }), 422, {
          "content-type": JSON_CONTENT_TYPE,
        });
      }
    },
  });
}

/** A sub-router that renders validation failures like the app does (422 `{detail}`). */
export function newRouter<E extends Env = Env>(): OpenAPIHono<E> {
  const app = validatingHono<E>();
  // fetch labels a string body text/plain; without this a JSON body sent that way would skip
  // validation and a bad one would be a 415. Every API body is JSON, so read it as JSON: bad
  // JSON is then the 422 of R-HTTP-3.
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
