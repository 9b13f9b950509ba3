/**
 * Operations endpoints shared by both entrypoints (R-OPS-*): `/health`, `/ready`,
 * `/metrics`, `/openapi.json` and the `/docs` reference page, each also under `/api/v1`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "./app.ts";
import { errorResponse } from "./app.ts";
import type { MetricsRegistry } from "./metrics.ts";
import { Detail, json, publishedDocument } from "./openapi.ts";
import type { Config } from "../config.ts";
import { errorText } from "../log.ts";
import { registerDocs } from "./docs.ts";

/** A readiness probe: resolves when the dependency is usable, throws with a reason otherwise. */
export type ReadinessCheck = () => Promise<Record<string, unknown> | void>;

export interface CheckResult {
  status: "up" | "down";
  latency_ms: number;
  error?: string;
  [extra: string]: unknown;
}

export interface OpsOptions {
  service: "zapa-private" | "zapa-public";
  config: Config;
  metrics: MetricsRegistry;
  checks: Record<string, ReadinessCheck>;
  title: string;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check in parallel with a timeout; never throws. */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const extra = await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("check timed out")), CHECK_TIMEOUT_MS);
          }),
        ]);
        return [name, { status: "up", latency_ms: elapsed(started), ...(extra ?? {}) }];
      } catch (error) {
        return [name, { status: "down", latency_ms: elapsed(started), error: errorText(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

const Health = z.object({
  status: z.literal("healthy"),
  service: z.string(),
  version: z.string(),
  environment: z.string(),
}).openapi("Health");
const Check = z.object({
  status: z.enum(["up", "down"]),
  latency_ms: z.number(),
  error: z.string().optional(),
}).catchall(z.unknown()).openapi("ReadinessCheck");
const Ready = z.object({
  status: z.enum(["ready", "not_ready"]),
  service: z.string(),
  failed: z.array(z.string()).optional(),
  checks: z.record(z.string(), Check),
}).openapi("Readiness");

const opsRoutes = (prefix: string) => ({
  health: createRoute({
    method: "get",
    path: `${prefix}/health`,
    tags: ["operations"],
    summary: "Liveness",
    responses: { 200: json(Health, "Alive") },
  }),
  ready: createRoute({
    method: "get",
    path: `${prefix}/ready`,
    tags: ["operations"],
    summary: "Readiness: every dependency answers",
    responses: {
      200: json(Ready, "Ready"),
      503: json(Ready, "A dependency is down (named in `failed`)"),
    },
  }),
  metrics: createRoute({
    method: "get",
    path: `${prefix}/metrics`,
    tags: ["operations"],
    summary: "Prometheus metrics (Bearer METRICS_TOKEN when one is set)",
    responses: {
      200: { description: "Prometheus text", content: { "text/plain": { schema: z.string() } } },
      401: json(Detail, "METRICS_TOKEN is set and was not given"),
      503: json(Detail, "A gauge's store (PostgreSQL or Redis) is unavailable"),
    },
  }),
  openapi: createRoute({
    method: "get",
    path: `${prefix}/openapi.json`,
    tags: ["operations"],
    summary: "This document",
    responses: {
      200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1"),
    },
  }),
});

export function registerOps(app: App, options: OpsOptions): void {
  const { service, config } = options;
  const health = () => ({
    status: "healthy" as const,
    service,
    version: config.version,
    environment: config.env,
  });
  let published: Record<string, unknown> | undefined;
  const document = () =>
    published ??= publishedDocument(app, {
      service,
      title: options.title,
      version: config.version,
    });
  for (const prefix of ["", "/api/v1"]) {
    const routes = opsRoutes(prefix);
    app.openapi(routes.health, (c) => c.json(health(), 200));
    app.openapi(routes.ready, async (c) => {
      const checks = await runChecks(options.checks);
      const failed = Object.entries(checks).filter(([, r]) => r.status === "down").map(([n]) => n);
      if (failed.length === 0) return c.json({ status: "ready" as const, service, checks }, 200);
      return c.json({ status: "not_ready" as const, service, failed, checks }, 503);
    });
    app.openapi(routes.metrics, async (c) => {
      if (
        config.metricsToken && c.req.header("authorization") !== `Bearer ${config.metricsToken}`
      ) {
        return errorResponse(401, "Could not validate credentials", {
          "WWW-Authenticate": "Bearer",
        }) as never;
      }
      return c.body(await options.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }) as never;
    });
    app.openapi(routes.openapi, (c) => c.json(document(), 200));
  }
  registerDocs(app, options.title);
}
