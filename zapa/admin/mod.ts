/**
 * The admin API of the private entrypoint (R-TOKEN-5, R-ADMIN-*), as one router that
 * `private_app.ts` mounts under `/api/v1`: `/auth/*` for the admin sign-in, and `/admin/*`
 * behind `requireAdmin` for users, conversations, LLM settings, system health and stats,
 * plus the queue and session routes the pipeline builds (passed in as `parts`).
 *
 * ```ts
 * app.route("/api/v1", adminRoutes(deps, { queueRoutes, sessionRoutes, bridgeHealth, queueHealth }));
 * ```
 */
import type { Hono } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { type AdminEnv, requireAdmin } from "../auth/guards.ts";
import { newRouter } from "./_router.ts";
import { adminAuthRoutes } from "./auth.ts";
import { userRoutes } from "./users.ts";
import { conversationRoutes } from "./conversations.ts";
import { adminLlmConfigRoutes } from "./llm_config.ts";
import { type BridgeHealth, type QueueHealth, systemRoutes } from "./system.ts";
import { traceRoutes } from "./trace.ts";

export type { BridgeHealth, QueueHealth } from "./system.ts";
export { checkAdminCredentials } from "./auth.ts";

// deno-lint-ignore no-explicit-any
type AnyRouter = Hono<any, any, any> | OpenAPIHono<any, any, any>;

export interface AdminParts {
  /** `/queue*` routes (paths relative to `/api/v1/admin`). */
  queueRoutes?: AnyRouter;
  /** `/sessions*` routes (paths relative to `/api/v1/admin`). */
  sessionRoutes?: AnyRouter;
  /** Resolves with bridge figures (`{session: "connected"}`) or throws when it is down. */
  bridgeHealth?: BridgeHealth;
  /** Resolves with queue figures (`failed`, `oldest_queued_age_s`, …) or throws. */
  queueHealth?: QueueHealth;
}

export function adminRoutes(deps: Deps, parts: AdminParts = {}): OpenAPIHono<AdminEnv> {
  const app = newRouter<AdminEnv>();
  app.route("/", adminAuthRoutes(deps));

  const admin = newRouter<AdminEnv>();
  admin.use("*", requireAdmin(deps));
  admin.route("/", userRoutes(deps));
  admin.route("/", conversationRoutes(deps));
  admin.route("/", adminLlmConfigRoutes(deps));
  admin.route("/", systemRoutes(deps, parts));
  admin.route("/", traceRoutes(deps));
  if (parts.queueRoutes) admin.route("/", parts.queueRoutes as Hono);
  if (parts.sessionRoutes) admin.route("/", parts.sessionRoutes as Hono);
  app.route("/admin", admin);
  return app;
}
