/**
 * One WhatsApp message's journey as Zapa's own records tell it (R-ADMIN-8): stored, waiting for
 * the agent, the agent and its LLM call, the reply's delivery and receipts, derived from the
 * inbound row and its reply. The harness (`deno task trace`) adds what only the doubles see.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { notFound } from "../http/errors.ts";
import { itemColumns, type MessageRow, toItem } from "../messages/item.ts";
import { MessageItemSchema } from "../messages/schema.ts";
import { ADMIN_SECURITY, Detail, json, newRouter } from "./_router.ts";

/** Printable ASCII without spaces, as long as the column: every id WhatsApp or zapw hands out. */
const WHATSAPP_ID = /^[\x21-\x7e]{1,255}$/;

const TraceParams = z.object({
  whatsapp_message_id: z.string()
    .regex(WHATSAPP_ID, "whatsapp_message_id must be 1–255 printable ASCII characters")
    .openapi({ param: { name: "whatsapp_message_id", in: "path" }, example: "3EB0A1B2C3D4" }),
});

const Hop = z.object({
  hop: z.string(),
  service: z.string(),
  start: z.string().datetime(),
  end: z.string().datetime().nullable(),
  duration_ms: z.number().nullable(),
  status: z.string(),
  detail: z.string(),
}).openapi("TraceHop");

const MessageTrace = z.object({
  whatsapp_message_id: z.string(),
  message: MessageItemSchema,
  reply: MessageItemSchema.nullable(),
  hops: z.array(Hop),
}).openapi("MessageTrace");

export type TraceHop = z.infer<typeof Hop>;

const traceRoute = createRoute({
  method: "get",
  path: "/messages/{whatsapp_message_id}/trace",
  tags: ["admin messages"],
  summary: "A WhatsApp message's journey through Zapa, from its own records",
  security: ADMIN_SECURITY,
  request: { params: TraceParams },
  responses: {
    200: json(MessageTrace, "The message, its reply and the hops in order"),
    404: json(Detail, "No message with this WhatsApp id"),
  },
});

interface TraceRow extends MessageRow {
  reply_to_id: number | null;
  agent_status: string | null;
  updated_at: Date | null;
}

function hop(
  name: string,
  start: Date,
  end: Date | null,
  status: string,
  detail: string,
): TraceHop {
  return {
    hop: name,
    service: "zapa",
    start: start.toISOString(),
    end: end?.toISOString() ?? null,
    duration_ms: end ? Math.max(0, end.getTime() - start.getTime()) : null,
    status,
    detail,
  };
}

/** The hops of an inbound message and its reply (null while unanswered), oldest first. */
export function traceHops(inbound: TraceRow | null, reply: TraceRow | null): TraceHop[] {
  const hops: TraceHop[] = [];
  if (inbound) {
    const intake = String(inbound.metadata?.intake ?? "redis");
    hops.push(hop(
      "stored",
      inbound.created_at,
      inbound.created_at,
      "stored",
      `WhatsApp time ${inbound.timestamp.toISOString()}; intake ${intake}`,
    ));
  }
  const meta = reply?.metadata ?? {};
  const responseMs = typeof meta.response_time_ms === "number" ? meta.response_time_ms : 0;
  // The reply row is written right after the agent returns: its start is that minus its time.
  const agentStart = reply ? new Date(reply.created_at.getTime() - responseMs) : null;
  if (inbound) {
    const waited = agentStart && agentStart < inbound.created_at ? inbound.created_at : agentStart;
    hops.push(hop(
      "waiting for the agent",
      inbound.created_at,
      waited,
      inbound.agent_status ?? "not answered",
      reply ? "claimed by an agent worker" : "no reply stored yet",
    ));
  }
  if (reply && agentStart && inbound) {
    const errorKind = typeof meta.error_kind === "string" ? meta.error_kind : null;
    const provider = typeof meta.provider === "string" ? meta.provider : null;
    const agentFrom = agentStart < inbound.created_at ? inbound.created_at : agentStart;
    hops.push(hop(
      "agent",
      agentFrom,
      reply.created_at,
      errorKind ?? "replied",
      `tool rounds ${meta.tool_rounds ?? 0}; fallback ${meta.fallback_used ? "used" : "not used"}`,
    ));
    if (provider) {
      hops.push(hop(
        "LLM call",
        agentFrom,
        new Date(agentFrom.getTime() + responseMs),
        errorKind ?? "ok",
        `${provider} ${meta.model ?? ""}`.trim(),
      ));
    }
  }
  if (reply) {
    const status = reply.status ?? "queued";
    const settled = status !== "queued" && reply.updated_at ? reply.updated_at : null;
    hops.push(hop(
      "delivery",
      reply.created_at,
      settled,
      status,
      reply.whatsapp_message_id
        ? `WhatsApp id ${reply.whatsapp_message_id}; last status change ${
          reply.updated_at?.toISOString() ?? "none"
        }`
        : "not sent yet",
    ));
  }
  return hops;
}

export function traceRoutes(deps: Deps) {
  const { sql } = deps;
  const app = newRouter<AdminEnv>();
  const columns = () => sql`${itemColumns(sql)}, reply_to_id, agent_status, updated_at`;

  app.openapi(traceRoute, async (c) => {
    const waId = c.req.valid("param").whatsapp_message_id;
    const [found] = await sql<TraceRow[]>`
      SELECT ${columns()} FROM messages WHERE whatsapp_message_id = ${waId}
      ORDER BY id LIMIT 1`;
    if (!found) throw notFound("No message with this WhatsApp id");
    // A reply's id traces the message it answers; a code or system message stands alone.
    let inbound: TraceRow | null = found.direction === "inbound" ? found : null;
    if (!inbound && found.reply_to_id !== null) {
      const [row] = await sql<TraceRow[]>`
        SELECT ${columns()} FROM messages WHERE id = ${found.reply_to_id}`;
      inbound = row ?? null;
    }
    let reply: TraceRow | null = found.direction === "inbound" ? null : found;
    if (inbound && !reply) {
      const [row] = await sql<TraceRow[]>`
        SELECT ${columns()} FROM messages WHERE reply_to_id = ${inbound.id}
        ORDER BY id LIMIT 1`;
      reply = row ?? null;
    }
    return c.json({
      whatsapp_message_id: waId,
      message: toItem(inbound ?? found),
      reply: reply ? toItem(reply) : null,
      hops: traceHops(inbound, reply),
    }, 200);
  });

  return app;
}
