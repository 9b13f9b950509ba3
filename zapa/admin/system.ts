/**
 * System health and statistics for the admin console (R-ADMIN-5).
 *
 * Health composes the database and Redis probes with the bridge and queue probes the
 * pipeline provides: `unhealthy` when PostgreSQL or Redis is down; `degraded` when the
 * bridge is down, the session is not connected, any queue item has failed, or the oldest
 * queued item is older than 60 s.
 *
 * Stats are measured from rows: `average_response_time_ms` is the mean of
 * (reply.created_at − inbound.created_at) over replies created in the last 24 h, joined by
 * `reply_to_id` (0 when there were none); `llm_provider_usage` counts those same replies by
 * the `provider` recorded in their metadata (zero-filled for the three providers).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { type CheckResult, type ReadinessCheck, runChecks } from "../http/ops.ts";
import { ADMIN_SECURITY, json, newRouter } from "./_router.ts";

/** Resolves with figures when the bridge answers (e.g. `{session: "connected"}`); throws when down. */
export type BridgeHealth = ReadinessCheck;

/** Queue figures; throws when the queue cannot be read. */
export type QueueHealth = () => Promise<
  { failed?: number; oldest_queued_age_s?: number | null; [k: string]: unknown }
>;

export interface SystemParts {
  bridgeHealth?: BridgeHealth;
  queueHealth?: QueueHealth;
}

const STARTED_AT = Date.now();
const OLDEST_QUEUED_LIMIT_S = 60;

const Check = z.object({
  status: z.enum(["up", "down"]),
  latency_ms: z.number(),
  error: z.string().optional(),
}).catchall(z.unknown());
const SystemHealth = z.object({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  checks: z.record(z.string(), Check),
  uptime_seconds: z.number().int(),
  version: z.string(),
}).openapi("SystemHealth");
const SystemStats = z.object({
  total_users: z.number().int(),
  active_users: z.number().int(),
  total_messages: z.number().int(),
  messages_today: z.number().int(),
  average_response_time_ms: z.number(),
  llm_provider_usage: z.record(z.string(), z.number().int()),
}).openapi("SystemStats");

/** The session state a bridge check reported, as a plain status string (or null). */
function sessionStatus(check: CheckResult | undefined): string | null {
  const session = check?.session;
  if (typeof session === "string") return session;
  if (session && typeof session === "object" && "status" in session) {
    return String((session as { status: unknown }).status);
  }
  return null;
}

export function overallStatus(
  checks: Record<string, CheckResult>,
): "healthy" | "degraded" | "unhealthy" {
  if (checks.database?.status !== "up" || checks.redis?.status !== "up") return "unhealthy";
  const bridge = checks.bridge;
  if (bridge && bridge.status !== "up") return "degraded";
  const session = sessionStatus(bridge);
  if (session !== null && session !== "connected") return "degraded";
  const queue = checks.queue;
  if (queue) {
    if (queue.status !== "up") return "degraded";
    if (Number(queue.failed ?? 0) > 0) return "degraded";
    if (Number(queue.oldest_queued_age_s ?? 0) > OLDEST_QUEUED_LIMIT_S) return "degraded";
  }
  return "healthy";
}

export async function systemHealth(deps: Deps, parts: SystemParts) {
  const checks: Record<string, ReadinessCheck> = {
    database: async () => {
      await deps.sql`SELECT 1`;
    },
    redis: async () => {
      await deps.redis.ping();
    },
  };
  if (parts.bridgeHealth) checks.bridge = parts.bridgeHealth;
  if (parts.queueHealth) {
    const queueHealth = parts.queueHealth;
    checks.queue = async () => await queueHealth();
  }
  const results = await runChecks(checks);
  return {
    status: overallStatus(results),
    checks: results,
    uptime_seconds: Math.floor((Date.now() - STARTED_AT) / 1000),
    version: deps.config.version,
  };
}

export async function systemStats(deps: Deps) {
  const { sql } = deps;
  const [counts] = await sql<
    { total_users: number; active_users: number; total_messages: number; messages_today: number }[]
  >`SELECT
      (SELECT count(*)::int FROM users) AS total_users,
      (SELECT count(*)::int FROM users WHERE is_active) AS active_users,
      (SELECT count(*)::int FROM messages) AS total_messages,
      (SELECT count(*)::int FROM messages
        WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        AS messages_today`;
  const replies = await sql<{ provider: string | null; n: number; mean_ms: number | null }[]>`
    SELECT r.metadata->>'provider' AS provider, count(*)::int AS n,
      avg(extract(epoch FROM (r.created_at - i.created_at)) * 1000)::float8 AS mean_ms
    FROM messages r JOIN messages i ON i.id = r.reply_to_id
    WHERE r.direction = 'outbound' AND r.reply_to_id IS NOT NULL
      AND r.created_at >= now() - interval '24 hours'
    GROUP BY 1`;
  const usage: Record<string, number> = { openai: 0, anthropic: 0, google: 0 };
  let replyCount = 0;
  let totalMs = 0;
  for (const r of replies) {
    usage[r.provider ?? "unknown"] = (usage[r.provider ?? "unknown"] ?? 0) + r.n;
    replyCount += r.n;
    totalMs += (r.mean_ms ?? 0) * r.n;
  }
  return {
    total_users: counts?.total_users ?? 0,
    active_users: counts?.active_users ?? 0,
    total_messages: counts?.total_messages ?? 0,
    messages_today: counts?.messages_today ?? 0,
    average_response_time_ms: replyCount ? Math.round((totalMs / replyCount) * 100) / 100 : 0,
    llm_provider_usage: usage,
  };
}

const healthRoute = createRoute({
  method: "get",
  path: "/system/health",
  tags: ["admin system"],
  summary: "Health of every dependency, with an overall status",
  security: ADMIN_SECURITY,
  responses: { 200: json(SystemHealth, "Health (always 200; the status says how healthy)") },
});

const statsRoute = createRoute({
  method: "get",
  path: "/system/stats",
  tags: ["admin system"],
  summary: "User and message counts, measured response time, provider usage",
  security: ADMIN_SECURITY,
  responses: { 200: json(SystemStats, "Stats") },
});

export function systemRoutes(deps: Deps, parts: SystemParts = {}) {
  const app = newRouter<AdminEnv>();
  app.openapi(healthRoute, async (c) => c.json(await systemHealth(deps, parts), 200));
  app.openapi(statsRoute, async (c) => c.json(await systemStats(deps), 200));
  return app;
}
