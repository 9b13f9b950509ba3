/**
 * `POST /api/v1/webhooks/whatsapp` (R-WEBHOOK-*): checks the shared secret in constant time,
 * parses either envelope, hands messages and receipts to intake and session events to their
 * handler, and acknowledges at once with the response table of R-WEBHOOK-5.
 */
import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Config } from "../config.ts";
import { JSON_CONTENT_TYPE, markEscaped, safeStringify } from "../http/json.ts";
import { parseWebhook, type SessionEvent } from "./webhook_event.ts";
import { WEBHOOK_BODY_SCHEMA } from "./webhook_body.ts";
import type { IntakeResult } from "./intake.ts";
import type { InboundMessage, StatusEvent } from "./webhook_event.ts";

export const WEBHOOK_PATH = "/api/v1/webhooks/whatsapp";

export interface WebhookHandlers {
  intake: (event: InboundMessage | StatusEvent) => Promise<IntakeResult>;
  /** Runs in the background; the webhook does not wait for it. */
  session: (event: SessionEvent) => void;
}

const Ack = z.object({
  status: z.string(),
  message_id: z.string().optional(),
  event_type: z.string().optional(),
  reason: z.string().optional(),
  error: z.string().optional(),
}).openapi("WebhookAck");
const json = (description: string) => ({
  content: { "application/json": { schema: Ack } },
  description,
});

const route = createRoute({
  method: "post",
  path: WEBHOOK_PATH,
  tags: ["webhooks"],
  summary: "Bridge webhook: messages, receipts and session events (zapw or legacy envelope)",
  request: {
    query: z.object({ secret: z.string().optional() }),
    body: {
      // A JSON Schema written by hand (webhook_body.ts); the route's types want OpenAPI's own.
      content: {
        "application/json": {
          schema: WEBHOOK_BODY_SCHEMA as unknown as Record<string, never>,
        },
      },
      required: true,
    },
  },
  responses: {
    200: json("accepted, duplicate or ignored"),
    400: json(
      "invalid_payload: not JSON, no event type, no message id or sender, or an id, JID or " +
        "session id holding U+0000 or a lone surrogate (text with them is stored as U+FFFD)",
    ),
    401: json("unauthorized"),
    503: json("storage_unavailable (Retry-After: 1)"),
  },
});

export function webhookRoutes(
  config: Pick<Config, "webhookSecret">,
  handlers: WebhookHandlers,
): OpenAPIHono {
  const app = new OpenAPIHono({ strict: false });
  // Documented through the route definition; handled without zod so bad bodies get the
  // bridge-facing 400 `{status, error}` shape rather than the API's 422.
  app.openAPIRegistry.registerPath(route);
  app.post(WEBHOOK_PATH, (c) => handle(c, config, handlers));
  return app;
}

/**
 * An R-OUTPUT-1-escaped JSON acknowledgement, marked as such so the shared middleware does not read and
 * rebuild it (the webhook is the hottest route: every message and every receipt).
 */
function ack(c: Context, body: Record<string, string>, status: 200 | 400 | 401 | 503): Response {
  return markEscaped(c.body(safeStringify(body), status, { "content-type": JSON_CONTENT_TYPE }));
}

async function handle(
  c: Context,
  config: Pick<Config, "webhookSecret">,
  handlers: WebhookHandlers,
): Promise<Response> {
  if (config.webhookSecret !== null) {
    const given = c.req.header("x-webhook-secret") ?? c.req.query("secret") ?? "";
    if (!secretMatches(given, config.webhookSecret)) {
      return ack(c, { status: "error", error: "unauthorized" }, 401);
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return ack(c, { status: "error", error: "invalid_payload" }, 400);
  }
  const parsed = parseWebhook(body);
  if (!parsed.ok) {
    if (parsed.reason === "unknown_event_type") {
      return ack(c, { status: "ignored", reason: "unknown_event_type" }, 200);
    }
    return ack(c, { status: "error", error: "invalid_payload" }, 400);
  }
  const event = parsed.event;
  if (event.kind === "session") {
    handlers.session(event);
    return ack(c, { status: "accepted", event_type: event.eventType }, 200);
  }
  const result = await handlers.intake(event);
  if (result === "unavailable") {
    c.header("Retry-After", "1");
    return ack(c, { status: "error", error: "storage_unavailable" }, 503);
  }
  return ack(c, { status: result, message_id: event.waId }, 200);
}

/** Constant-time comparison (hashing first makes the lengths equal too). */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, expectedDigest(expected));
}

let lastExpected: { secret: string; digest: Buffer } | null = null;

/** The configured secret's digest, computed once rather than on every webhook. */
function expectedDigest(secret: string): Buffer {
  if (lastExpected?.secret !== secret) {
    lastExpected = { secret, digest: createHash("sha256").update(secret).digest() };
  }
  return lastExpected.digest;
}
