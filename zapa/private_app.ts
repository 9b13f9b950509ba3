/**
 * Assembles the private entrypoint's HTTP app (contract §4): operations endpoints with the
 * database, Redis and bridge readiness checks, the bridge webhook, and the admin API with the
 * pipeline's queue and session routes.
 */
import type { Deps } from "./deps.ts";
import { type App, createApp } from "./http/app.ts";
import { registerOps } from "./http/ops.ts";
import { adminRoutes } from "./admin/mod.ts";
import { queueHealth, queueRoutes } from "./admin/queue.ts";
import type { Pipeline } from "./pipeline/mod.ts";

export function createPrivateApp(deps: Deps, pipeline: Pipeline): App {
  const app = createApp({ service: "zapa-private", metrics: deps.metrics });
  registerOps(app, {
    service: "zapa-private",
    config: deps.config,
    metrics: deps.metrics,
    title: "Zapa private API",
    checks: {
      database: async () => {
        await deps.sql`SELECT 1`;
      },
      redis: async () => {
        await deps.redis.ping();
      },
      bridge: () => pipeline.bridgeReady(),
    },
  });
  app.route("/", pipeline.webhook);
  app.route(
    "/api/v1",
    adminRoutes(deps, {
      queueRoutes: queueRoutes(deps),
      bridgeHealth: () => pipeline.bridgeHealth(),
      queueHealth: () => queueHealth(deps),
    }),
  );
  return app;
}
