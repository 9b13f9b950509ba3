/**
 * Admin queue routes (R-ADMIN-6): counts, dead letters, requeue and clear. The operations themselves
 * belong to the pipeline, which owns the queues (`pipeline/queue_admin.ts`). Routes are relative
 * to `/api/v1/admin` and mounted by `adminRoutes`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { type AdminEnv, requireAdmin } from "../auth/guards.ts";
import { ADMIN_SECURITY, newRouter } from "./_router.ts";
import { clearFailed, failedItems, queueCounts, requeueFailed } from "../pipeline/mod.ts";

const Count = z.object({ queued: z.number(), processing: z.number(), failed: z.number() });
const QueueCountsSchema = Count.extend({ total: z.number(), inbound: Count, outbound: Count })
  .openapi("QueueCounts");
const FailedSchema = z.object({
  items: z.array(z.object({
    id: z.string(),
    queue: z.enum(["inbound", "outbound"]),
    kind: z.string(),
    attempts: z.number(),
    last_error: z.string().describe("Why it was dead-lettered (the last error)"),
    message_id: z.string().nullable().describe(
      "Inbound: the event's WhatsApp id; outbound: the reply's messages row id",
    ),
    failed_at: z.string().nullable().describe("When it was dead-lettered (ISO 8601)"),
    recipient: z.string().nullable().describe("Sender (inbound) or recipient (outbound), E.164"),
    excerpt: z.string().nullable().describe("The first 100 characters of the text"),
  })),
}).openapi("QueueFailed");
const jsonOf = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const routes = {
  counts: createRoute({
    method: "get",
    path: "/queue",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Queue counts, inbound and outbound",
    responses: { 200: jsonOf(QueueCountsSchema, "Counts") },
  }),
  failed: createRoute({
    method: "get",
    path: "/queue/failed",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Dead letters",
    responses: { 200: jsonOf(FailedSchema, "Dead letters") },
  }),
  requeue: createRoute({
    method: "post",
    path: "/queue/requeue-failed",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Requeue every dead letter (attempts and age reset)",
    responses: { 200: jsonOf(z.object({ requeued: z.number() }), "Requeued") },
  }),
  clear: createRoute({
    method: "post",
    path: "/queue/clear-failed",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Delete every dead letter",
    responses: { 200: jsonOf(z.object({ cleared: z.number() }), "Cleared") },
  }),
};

export function queueRoutes(deps: Deps) {
  const app = newRouter<AdminEnv>();
  app.use("/queue/*", requireAdmin(deps));
  app.use("/queue", requireAdmin(deps));
  app.openapi(routes.counts, async (c) => c.json(await queueCounts(deps), 200));
  app.openapi(routes.failed, async (c) => c.json(await failedItems(deps), 200));
  app.openapi(routes.requeue, async (c) => c.json(await requeueFailed(deps), 200));
  app.openapi(routes.clear, async (c) => c.json(await clearFailed(deps), 200));
  return app;
}
