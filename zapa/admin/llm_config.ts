/**
 * A user's LLM settings as the admin manages them (contract §4.5 → §5.3): GET and POST
 * `/llm-config/{user_id}` and POST `/llm-config/{user_id}/test`, through the shared
 * `llm_configs` store, so keys are encrypted the same way and never come back out.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { notFound } from "../http/errors.ts";
import { getLlmConfigs, saveLlmConfig } from "../llm_config/store.ts";
import { LlmConfigBodySchema, LlmConfigsSchema } from "../llm_config/schema.ts";
import { MAX_INT4, newRouter } from "./_router.ts";

const Any = z.record(z.string(), z.unknown());
const ok = <T extends z.ZodType>(description: string, schema: T) => ({
  content: { "application/json": { schema } },
  description,
});
const Params = z.object({ user_id: z.coerce.number().int().min(1) });

async function requireUserRow(sql: Sql, id: number): Promise<void> {
  if (id > MAX_INT4 || (await sql`SELECT 1 FROM users WHERE id = ${id}`).length === 0) {
    throw notFound("User not found");
  }
}

const getRoute = createRoute({
  method: "get",
  path: "/llm-config/{user_id}",
  tags: ["admin llm"],
  summary: "A user's primary and fallback LLM settings",
  request: { params: Params },
  responses: {
    200: ok("{primary, fallback}", LlmConfigsSchema),
    404: ok("Unknown user", Any),
  },
});

const postRoute = createRoute({
  method: "post",
  path: "/llm-config/{user_id}",
  tags: ["admin llm"],
  summary: "Set a user's LLM settings (as POST /api/v1/llm-config)",
  request: {
    params: Params,
    body: { content: { "application/json": { schema: LlmConfigBodySchema } }, required: true },
  },
  responses: {
    200: ok("{primary, fallback}", LlmConfigsSchema),
    404: ok("Unknown user", Any),
    422: ok("Invalid settings", Any),
  },
});

export function adminLlmConfigRoutes(deps: Deps) {
  const app = newRouter<AdminEnv>();

  app.openapi(getRoute, async (c) => {
    const userId = c.req.valid("param").user_id;
    await requireUserRow(deps.sql, userId);
    return c.json(await getLlmConfigs(deps, userId), 200);
  });

  app.openapi(postRoute, async (c) => {
    const userId = c.req.valid("param").user_id;
    const body = c.req.valid("json");
    await requireUserRow(deps.sql, userId);
    return c.json(await saveLlmConfig(deps, userId, body), 200);
  });

  return app;
}
