/**
 * Assembles the public entrypoint's HTTP app (R-LOGIN-*, R-MSG-*, R-LLMCFG-*): operations endpoints with the
 * database and Redis readiness checks, code login, the messages API, AI settings and the user
 * dashboard at `/`. CORS is answered only for the configured `CORS_ORIGINS`.
 */
import { cors } from "hono/cors";
import type { Deps } from "./deps.ts";
import { type App, createApp } from "./http/app.ts";
import { registerOps } from "./http/ops.ts";
import { pendingMigrations } from "./db/migrate.ts";
import { htmlSecurityHeaders } from "./http/html.ts";
import { authRoutes, llmConfigRoutes, messageRoutes, type TestLlmConfig } from "./public/mod.ts";
import { testLlmConfig } from "./agent/connection_check.ts";
import { dashboardPages } from "./web/mod.ts";

export interface PublicAppOptions {
  /** Clock for the code-request rate limits (tests). */
  now?: () => number;
  /** Replaces the real provider test call (tests). */
  testLlmConfig?: TestLlmConfig;
}

export function createPublicApp(deps: Deps, options: PublicAppOptions = {}): App {
  const app = createApp({ service: "zapa-public", metrics: deps.metrics });
  app.use("*", htmlSecurityHeaders());
  if (deps.config.corsOrigins.length > 0) {
    app.use(
      "/api/*",
      cors({
        origin: deps.config.corsOrigins,
        allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type"],
        exposeHeaders: ["Content-Disposition", "Retry-After", "X-Request-Id"],
        maxAge: 600,
      }),
    );
  }
  registerOps(app, {
    service: "zapa-public",
    config: deps.config,
    metrics: deps.metrics,
    title: "Zapa public API",
    checks: {
      database: async () => {
        const pending = await pendingMigrations(deps.sql);
        if (pending.length > 0) {
          throw new Error(`schema not migrated yet (pending: ${pending.join(", ")})`);
        }
      },
      redis: async () => {
        await deps.redis.ping();
      },
    },
  });
  app.route("/api/v1", authRoutes(deps, { now: options.now }));
  app.route("/api/v1", messageRoutes(deps));
  app.route(
    "/api/v1",
    llmConfigRoutes(deps, {
      testLlmConfig: options.testLlmConfig ?? (testLlmConfig as TestLlmConfig),
    }),
  );
  app.route("/", dashboardPages(deps));
  return app;
}
