/**
 * AI settings (R-LLMCFG-*): the caller's primary and fallback configs (keys encrypted at
 * rest, shown only as `key_hint`), a real minimal test call, the providers catalogue (no auth)
 * and the `POST /llm/configure` alias.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Deps } from "../deps.ts";
import type { Provider } from "../config.ts";
import { requireUser, type UserEnv } from "../auth/guards.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { validationDetail } from "../http/app.ts";
import { KeyDecryptionError } from "../crypto/api_keys.ts";
import { log } from "../log.ts";
import { PROVIDERS } from "../agent/providers.ts";
import {
  deleteLlmConfig,
  FALLBACK,
  getLlmConfigs,
  LlmConfigBodySchema,
  LlmConfigsSchema,
  loadDecryptedConfig,
  PRIMARY,
  ProviderConfigSchema,
  saveLlmConfig,
} from "../llm_config/mod.ts";
import { AUTH_RESPONSES, BEARER, Detail, json, newRouter } from "./_router.ts";

export interface TestCallResult {
  success: boolean;
  message: string;
  response_time_ms: number;
  provider: Provider;
  model: string;
}

/** The agent's `testLlmConfig` (zapa/agent/connection_check.ts), injected by the app assembler. */
export type TestLlmConfig = (
  deps: Deps,
  input: { provider: Provider; apiKey: string; modelSettings?: Record<string, unknown> | null },
) => Promise<TestCallResult>;

export interface LlmConfigRouteOptions {
  testLlmConfig: TestLlmConfig;
}

const getRoute = createRoute({
  method: "get",
  path: "/llm-config",
  tags: ["llm settings"],
  summary: "The caller's primary and fallback LLM configs",
  security: BEARER,
  responses: { 200: json(LlmConfigsSchema, "Configs (never the key)"), ...AUTH_RESPONSES },
});

const saveRoutes = ["/llm-config", "/llm/configure"].map((path) =>
  createRoute({
    method: "post",
    path,
    tags: ["llm settings"],
    summary: path === "/llm-config" ? "Save the primary (and fallback) config" : "Alias",
    security: BEARER,
    request: {
      body: { content: { "application/json": { schema: LlmConfigBodySchema } }, required: true },
    },
    responses: {
      200: json(LlmConfigsSchema, "Saved"),
      404: json(Detail, "The user was deleted while the settings were written"),
      422: json(Detail, "Invalid settings"),
      ...AUTH_RESPONSES,
    },
  })
);

const TestResult = z.object({
  success: z.boolean(),
  message: z.string(),
  response_time_ms: z.number(),
  provider: z.string(),
  model: z.string(),
}).openapi("LlmTestResult");

/**
 * The optional body of a test call, documented but read by hand (`optionalTestBody`): absent,
 * empty or `{}` means "test what is saved".
 */
export const OPTIONAL_TEST_BODY = {
  content: {
    "application/json": {
      schema: {
        anyOf: [
          { $ref: "#/components/schemas/ProviderConfig" },
          { type: "object" as const, maxProperties: 0 },
        ],
      },
    },
  },
  required: false,
};

const testRoute = createRoute({
  method: "post",
  path: "/llm-config/test",
  tags: ["llm settings"],
  summary: "Make one minimal call with the given or the saved config",
  security: BEARER,
  request: {
    query: z.object({ target: z.enum(["primary", "fallback"]).optional() }),
    body: OPTIONAL_TEST_BODY,
  },
  description: "Optional body `{provider, api_key, model_settings}`; without one (or `{}`) the " +
    "saved primary is tested, or the fallback with `?target=fallback`.",
  responses: {
    200: json(TestResult, "The outcome (provider errors are success:false)"),
    404: json(Detail, "Nothing to test"),
    422: json(Detail, "Invalid settings"),
    ...AUTH_RESPONSES,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/llm-config",
  tags: ["llm settings"],
  summary: "Remove the caller's LLM configs",
  security: BEARER,
  responses: {
    200: json(z.object({ success: z.boolean(), message: z.string() }), "Removed"),
    404: json(Detail, "No config"),
    ...AUTH_RESPONSES,
  },
});

const providersRoute = createRoute({
  method: "get",
  path: "/llm-config/providers",
  tags: ["llm settings"],
  summary: "The providers and models on offer (no auth)",
  responses: {
    200: json(
      z.object({
        providers: z.array(z.object({
          value: z.string(),
          name: z.string(),
          description: z.string(),
          default_model: z.string(),
          models: z.array(z.object({ value: z.string(), name: z.string() })),
        })),
      }),
      "The catalogue",
    ),
  },
});

/** The test body is optional: absent, empty or `{}` means "test what is saved". */
export async function optionalTestBody(c: Context) {
  const text = await c.req.text();
  if (!text.trim()) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError(422, "Request body must be valid JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ApiError(422, "Request body must be a JSON object");
  }
  if (Object.keys(raw).length === 0) return null;
  const parsed = ProviderConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError(422, validationDetail(parsed.error.issues));
  return parsed.data;
}

export function llmConfigRoutes(deps: Deps, options: LlmConfigRouteOptions) {
  const app = newRouter<UserEnv>();
  const guard = requireUser(deps);
  app.openAPIRegistry.register("ProviderConfig", ProviderConfigSchema);

  app.openapi(
    providersRoute,
    (c) => c.json({ providers: PROVIDERS.map((p) => ({ ...p, models: [...p.models] })) }, 200),
  );

  for (const path of ["/llm-config", "/llm-config/test", "/llm/configure"]) app.use(path, guard);

  app.openapi(getRoute, async (c) => c.json(await getLlmConfigs(deps, c.get("user").user_id), 200));

  for (const route of saveRoutes) {
    app.openapi(route, async (c) => {
      const userId = c.get("user").user_id;
      const saved = await saveLlmConfig(deps, userId, c.req.valid("json"));
      log.info("llm config saved", {
        user_id: userId,
        provider: saved.primary?.provider,
        fallback: saved.fallback?.provider ?? null,
      });
      return c.json(saved, 200);
    });
  }

  // The body is optional, so it is read and validated by hand.
  app.openapi(testRoute, async (c) => {
    const userId = c.get("user").user_id;
    const target = c.req.valid("query").target === "fallback" ? FALLBACK : PRIMARY;
    const given = await optionalTestBody(c);
    let input;
    if (given) {
      input = {
        provider: given.provider,
        apiKey: given.api_key,
        modelSettings: given.model_settings,
      };
    } else {
      try {
        input = await loadDecryptedConfig(deps, userId, target);
      } catch (error) {
        if (!(error instanceof KeyDecryptionError)) throw error;
        log.error("stored llm key cannot be decrypted", { user_id: userId, priority: target });
        throw new ApiError(422, "The saved API key can no longer be read; save it again");
      }
      if (!input) throw notFound("No LLM configuration to test");
    }
    return c.json(await options.testLlmConfig(deps, input), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const removed = await deleteLlmConfig(deps, c.get("user").user_id);
    if (!removed) throw notFound("No LLM configuration found");
    return c.json({ success: true, message: "LLM configuration deleted" }, 200);
  });

  return app;
}
