/**
 * Shared pieces of the public routers: the API sub-router (zapa/http/router.ts) and response
 * helpers for the OpenAPI descriptions.
 */
import { z } from "@hono/zod-openapi";

export { newRouter } from "../http/router.ts";

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
