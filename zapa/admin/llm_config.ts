/**
 * A user's LLM settings as the admin manages them (R-ADMIN-4 → R-LLMCFG-*): GET and POST
 * `/llm-config/{user_id}` and POST `/llm-config/{user_id}/test`, through the shared
 * `llm_configs` store, so keys are encrypted the same way and never come back out.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { notFound } from "../http/errors.ts";
import { KeyDecryptionError } from "../crypto/api_keys.ts";
import {
  FALLBACK,
  getLlmConfigs,
  loadDecryptedConfig,
  PRIMARY,
  saveLlmConfig,
} from "../llm_config/store.ts";
import {
  LlmConfigBodySchema,
  LlmConfigsSchema,
  ProviderConfigSchema,
} from "../llm_config/schema.ts";
import { testLlmConfig } from "../agent/connection_check.ts";
import { OPTIONAL_TEST_BODY, optionalTestBody } from "../public/llm_config.ts";
import { ADMIN_SECURITY, Detail, idParam, MAX_INT4, newRouter } from "./_router.ts";

const ok = <T extends z.ZodType>(description: string, schema: T) => ({
  content: { "application/json": { schema } },
  description,
});
const Params = z.object({ user_id: idParam("user_id") });
const TestResult = z.object({
  success: z.boolean(),
  message: z.string(),
  response_time_ms: z.number(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
}).openapi("AdminLlmTestResult");

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
  security: ADMIN_SECURITY,
  request: { params: Params },
  responses: {
    200: ok("{primary, fallback}", LlmConfigsSchema),
    404: ok("Unknown user", Detail),
  },
});

const postRoute = createRoute({
  method: "post",
  path: "/llm-config/{user_id}",
  tags: ["admin llm"],
  summary: "Set a user's LLM settings (as POST /api/v1/llm-config)",
  security: ADMIN_SECURITY,
  request: {
    params: Params,
    body: { content: { "application/json": { schema: LlmConfigBodySchema } }, required: true },
  },
  responses: {
    200: ok("{primary, fallback}", LlmConfigsSchema),
    404: ok("Unknown user (also when deleted while the settings were written)", Detail),
    422: ok("Invalid settings", Detail),
  },
});

const testRoute = createRoute({
  method: "post",
  path: "/llm-config/{user_id}/test",
  tags: ["admin llm"],
  summary: "Test a config: the body if given, else the saved primary (?target=fallback)",
  security: ADMIN_SECURITY,
  request: {
    params: Params,
    query: z.object({ target: z.enum(["primary", "fallback"]).default("primary") }),
    body: OPTIONAL_TEST_BODY,
  },
  responses: {
    200: ok("The outcome (provider errors are success:false)", TestResult),
    404: ok("Unknown user or nothing to test", Detail),
    422: ok("Invalid body", Detail),
  },
});

export function adminLlmConfigRoutes(deps: Deps) {
  const app = newRouter<AdminEnv>();
  // OPTIONAL_TEST_BODY refers to it by name.
  app.openAPIRegistry.register("ProviderConfig", ProviderConfigSchema);

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

  app.openapi(testRoute, async (c) => {
    const userId = c.req.valid("param").user_id;
    const { target } = c.req.valid("query");
    await requireUserRow(deps.sql, userId);
    const body = await optionalTestBody(c);
    if (body) {
      const { provider, api_key: apiKey, model_settings: settings } = body;
      const modelSettings = {
        ...settings,
        custom_instructions: settings.custom_instructions ?? undefined,
      };
      return c.json(await testLlmConfig(deps, { provider, apiKey, modelSettings }), 200);
    }
    let saved;
    try {
      saved = await loadDecryptedConfig(deps, userId, target === "fallback" ? FALLBACK : PRIMARY);
    } catch (error) {
      if (!(error instanceof KeyDecryptionError)) throw error;
      return c.json({
        success: false,
        message: "The saved API key cannot be decrypted; save it again.",
        response_time_ms: 0,
        provider: null,
        model: null,
      }, 200);
    }
    if (!saved) throw notFound(`No ${target} LLM configuration to test`);
    return c.json(
      await testLlmConfig(deps, {
        provider: saved.provider,
        apiKey: saved.apiKey,
        modelSettings: saved.modelSettings,
      }),
      200,
    );
  });

  return app;
}
