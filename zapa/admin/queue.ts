/**
 * Admin queue routes (R-ADMIN-6): counts, dead letters, requeue and clear. The operations themselves
 * belong to the pipeline, which owns the queues (`pipeline/queue_admin.ts`). Routes are relative
 * to `/api/v1/admin` and mounted by `adminRoutes`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { type AdminEnv, requireAdmin } from "../auth/guards.ts";
import { ADMIN_SECURITY, newRouter } from "./_router.ts";
import {
  clearFailed,
  deleteFailed,
  failedItems,
  queueCounts,
  requeueFailed,
} from "../pipeline/mod.ts";
import { ApiError } from "../http/errors.ts";

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

const FailedId = z.object({
  id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" } }),
});
const notFound = jsonOf(z.object({ detail: z.string() }), "No dead letter with that id");

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
  requeueOne: createRoute({
    method: "post",
    path: "/queue/failed/{id}/requeue",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Requeue one dead letter (attempts and age reset)",
    request: { params: FailedId },
    responses: { 200: jsonOf(z.object({ requeued: z.number() }), "Requeued"), 404: notFound },
  }),
  deleteOne: createRoute({
    method: "delete",
    path: "/queue/failed/{id}",
    tags: ["admin queue"],
    security: ADMIN_SECURITY,
    summary: "Delete one dead letter",
    request: { params: FailedId },
    responses: { 200: jsonOf(z.object({ deleted: z.number() }), "Deleted"), 404: notFound },
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
  app.openapi(routes.requeueOne, async (c) => {
    const result = await requeueFailed(deps, c.req.valid("param").id);
    if (result.requeued === 0) throw new ApiError(404, "Dead letter not found");
    return c.json(result, 200);
  });
  app.openapi(routes.deleteOne, async (c) => {
    const result = await deleteFailed(deps, c.req.valid("param").id);
    if (result.deleted === 0) throw new ApiError(404, "Dead letter not found");
    return c.json(result, 200);
  });
  return app;
}
