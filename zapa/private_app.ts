/**
 * Assembles the private entrypoint's HTTP app (R-WEBHOOK-*, R-ADMIN-*, R-OPS-*): operations endpoints with the
 * database, Redis and bridge readiness checks, the bridge webhook, and the admin API with the
 * pipeline's queue and session routes, and the admin console pages at `/admin`.
 */
import type { Deps } from "./deps.ts";
import { type App, createApp } from "./http/app.ts";
import { registerOps } from "./http/ops.ts";
import { adminRoutes } from "./admin/mod.ts";
import { queueRoutes } from "./admin/queue.ts";
import { sessionRoutes } from "./admin/sessions.ts";
import {
  bridgeHealth,
  bridgeReady,
  type PipelineHandle,
  queueCounts,
  queueHealth,
} from "./pipeline/mod.ts";
import { adminConsolePages } from "./web/mod.ts";

export function createPrivateApp(deps: Deps, pipeline: PipelineHandle): App {
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
      bridge: () => bridgeReady(deps),
    },
  });
  app.route("/", pipeline.webhook);
  const admin: Deps = deps.adminRedis ? { ...deps, redis: deps.adminRedis } : deps;
  app.route(
    "/api/v1",
    adminRoutes(admin, {
      queueRoutes: queueRoutes(admin),
      sessionRoutes: sessionRoutes(admin),
      bridgeHealth: () => bridgeHealth(admin),
      queueHealth: () => queueHealth(admin),
    }),
  );
  app.route("/", adminConsolePages(admin));
  registerPipelineMetrics(deps, pipeline);
  return app;
}

/** Queue depths and worker activity, computed when `/metrics` is scraped. */
function registerPipelineMetrics(deps: Deps, pipeline: PipelineHandle): void {
  deps.metrics.gauge("zapa_queue_depth", "Queue items by queue and state", async () => {
    const counts = await queueCounts(deps);
    return (["inbound", "outbound"] as const).flatMap((queue) =>
      (["queued", "processing", "failed"] as const).map((state) => ({
        labels: { queue, state },
        value: counts[queue][state],
      }))
    );
  });
  deps.metrics.gauge(
    "zapa_workers_busy",
    "Work in progress in this instance",
    () =>
      Promise.resolve([
        { labels: { worker: "agent" }, value: pipeline.activity().agent },
        { labels: { worker: "delivery" }, value: pipeline.activity().delivery },
      ]),
  );
}
