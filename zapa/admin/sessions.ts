/**
 * Admin session routes (R-ADMIN-7): WhatsApp sessions proxied to the bridge and mirrored in
 * the `sessions` table. The QR is always a PNG data URL (rendered here if the bridge sends the
 * raw QR text). Bridge unreachable → 502; its 404 and 409 pass through.
 */
import { createRoute, z } from "@hono/zod-openapi";
import QRCode from "qrcode";
import type { Deps } from "../deps.ts";
import { type AdminEnv, requireAdmin } from "../auth/guards.ts";
import { ApiError } from "../http/errors.ts";
import { errorText, log } from "../log.ts";
import { ADMIN_SECURITY, Detail, newRouter } from "./_router.ts";
import { bodyError, bridgeFetch, type BridgeResponse } from "../pipeline/bridge_client.ts";
import { mirrorSession, type SessionStatus } from "../pipeline/session_events.ts";

type SessionDeps = Pick<Deps, "config" | "sql">;

export interface SessionItem {
  id: string;
  status: SessionStatus;
  phone_number: string | null;
  name: string | null;
  connected_at: string | null;
  qr_code: string | null;
  qr_expires_at: string | null;
  is_main: boolean;
}

interface BridgeSession {
  id?: unknown;
  status?: unknown;
  phoneNumber?: unknown;
  name?: unknown;
  connectedAt?: unknown;
  qrCode?: unknown;
  qrExpiresAt?: unknown;
}

const STATUS: Record<string, SessionStatus> = {
  initializing: "connecting",
  connecting: "connecting",
  qr_waiting: "qr_pending",
  qr_pending: "qr_pending",
  connected: "connected",
  disconnected: "disconnected",
};

export function bridgeStatus(status: unknown): SessionStatus {
  return STATUS[String(status)] ?? "error";
}

export async function toItem(
  deps: Pick<Deps, "config">,
  s: BridgeSession,
): Promise<SessionItem> {
  const id = String(s.id ?? "");
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  let qr = str(s.qrCode);
  if (qr !== null && !qr.startsWith("data:image/png;base64,")) {
    qr = await QRCode.toDataURL(qr, { type: "image/png", margin: 1, width: 264 });
  }
  const phone = str(s.phoneNumber);
  return {
    id,
    status: bridgeStatus(s.status),
    phone_number: phone === null ? null : phone.startsWith("+") ? phone : `+${phone}`,
    name: str(s.name),
    connected_at: isoOrNull(s.connectedAt),
    qr_code: qr,
    qr_expires_at: isoOrNull(s.qrExpiresAt),
    is_main: id === deps.config.whatsapp.sessionId,
  };
}

function isoOrNull(v: unknown): string | null {
  if (typeof v !== "string" && typeof v !== "number") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Calls the bridge; unreachable → 502, error statuses other than 404/409 → 502. */
async function callBridge(
  deps: Pick<Deps, "config">,
  path: string,
  options: { method?: string; body?: unknown } = {},
): Promise<BridgeResponse> {
  let res: BridgeResponse;
  try {
    res = await bridgeFetch(deps.config, `${deps.config.whatsapp.apiUrl}${path}`, {
      ...options,
      timeoutMs: 5_000,
    });
  } catch (error) {
    log.warn("sessions: bridge unreachable", { error: errorText(error) });
    throw new ApiError(502, "WhatsApp bridge unavailable");
  }
  if (res.status === 404) throw new ApiError(404, bodyError(res.body) || "Session not found");
  if (res.status === 409) throw new ApiError(409, bodyError(res.body) || "Session already exists");
  if (res.status >= 400) throw new ApiError(502, `WhatsApp bridge error: ${bodyError(res.body)}`);
  return res;
}

function dataOf(res: BridgeResponse): unknown {
  return (res.body as { data?: unknown } | null)?.data;
}

/** Mirrors without failing the request: the bridge is the source of truth for sessions. */
async function mirror(deps: SessionDeps, item: SessionItem): Promise<void> {
  try {
    await mirrorSession(deps, {
      bridgeSessionId: item.id,
      status: item.status,
      phoneNumber: item.phone_number,
      metadata: item.name ? { name: item.name } : {},
    });
  } catch (error) {
    log.warn("sessions: could not mirror session", { error: errorText(error) });
  }
}

export async function listSessions(deps: SessionDeps): Promise<SessionItem[]> {
  const data = dataOf(await callBridge(deps, "/sessions"));
  const list = Array.isArray(data) ? data : [];
  const items = await Promise.all(list.map((s) => toItem(deps, s as BridgeSession)));
  await Promise.all(items.filter((i) => i.id).map((i) => mirror(deps, i)));
  return items;
}

export async function getSession(deps: SessionDeps, id: string): Promise<SessionItem> {
  const res = await callBridge(deps, `/sessions/${encodeURIComponent(id)}`);
  const item = await toItem(deps, (dataOf(res) ?? {}) as BridgeSession);
  await mirror(deps, item);
  return item;
}

export async function createSession(deps: SessionDeps, id: string): Promise<SessionItem> {
  const res = await callBridge(deps, "/sessions", { method: "POST", body: { sessionId: id } });
  let item = await toItem(deps, (dataOf(res) ?? { id }) as BridgeSession);
  if (!item.qr_code && item.status !== "connected") {
    // The QR appears shortly after creation: one read usually has it.
    item = await getSession(deps, id).catch(() => item);
  }
  await mirror(deps, item);
  return item;
}

export async function deleteSession(deps: SessionDeps, id: string): Promise<void> {
  await callBridge(deps, `/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
  try {
    await deps.sql`DELETE FROM sessions WHERE bridge_session_id = ${id}`;
  } catch (error) {
    log.warn("sessions: could not delete mirrored session", { error: errorText(error) });
  }
}

// "." and ".." are not ids: as path segments they would name another resource.
const SESSION_ID_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9_.-]{1,100}$";
const SessionId = z.string().regex(new RegExp(SESSION_ID_PATTERN), "invalid session id");
const Item = z.object({
  id: z.string(),
  status: z.string(),
  phone_number: z.string().nullable(),
  name: z.string().nullable(),
  connected_at: z.string().nullable(),
  qr_code: z.string().nullable(),
  qr_expires_at: z.string().nullable(),
  is_main: z.boolean(),
}).openapi("Session");
const jsonOf = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const errors = {
  404: jsonOf(Detail, "Unknown session"),
  502: jsonOf(Detail, "Bridge unavailable"),
};
const tags = ["admin sessions"];
const params = z.object({ id: SessionId });

const routes = {
  list: createRoute({
    method: "get",
    path: "/sessions",
    tags,
    security: ADMIN_SECURITY,
    summary: "WhatsApp sessions (from the bridge)",
    responses: { 200: jsonOf(z.object({ sessions: z.array(Item) }), "Sessions"), 502: errors[502] },
  }),
  create: createRoute({
    method: "post",
    path: "/sessions",
    tags,
    security: ADMIN_SECURITY,
    summary: "Create a session (body `{session_id?}`, default WHATSAPP_SESSION_ID); " +
      "the response carries the QR code as a PNG data URL",
    // Documented here, read by hand: an absent or empty body means the default session.
    request: {
      body: {
        content: {
          "application/json": {
            schema: {
              type: "object" as const,
              properties: { session_id: { type: "string" as const, pattern: SESSION_ID_PATTERN } },
            },
          },
        },
        required: false,
      },
    },
    responses: {
      201: jsonOf(Item, "Created"),
      409: jsonOf(Detail, "Session exists"),
      422: jsonOf(Detail, "Invalid session_id"),
      502: errors[502],
    },
  }),
  get: createRoute({
    method: "get",
    path: "/sessions/{id}",
    tags,
    security: ADMIN_SECURITY,
    summary: "One session (an expired QR is refreshed)",
    request: { params },
    responses: { 200: jsonOf(Item, "Session"), ...errors },
  }),
  remove: createRoute({
    method: "delete",
    path: "/sessions/{id}",
    tags,
    security: ADMIN_SECURITY,
    summary: "Delete a session",
    request: { params },
    responses: { 204: { description: "Deleted" }, ...errors },
  }),
};

export function sessionRoutes(deps: Deps) {
  const app = newRouter<AdminEnv>();
  app.use("/sessions", requireAdmin(deps));
  app.use("/sessions/*", requireAdmin(deps));
  app.openapi(routes.list, async (c) => c.json({ sessions: await listSessions(deps) }, 200));
  app.openapi(routes.create, async (c) => {
    const raw = await c.req.text();
    let id = deps.config.whatsapp.sessionId;
    if (raw.trim() !== "") {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new ApiError(422, "body: invalid JSON");
      }
      const parsed = z.object({ session_id: SessionId.optional() }).safeParse(body);
      if (!parsed.success) throw new ApiError(422, "session_id: invalid session id");
      id = parsed.data.session_id ?? id;
    }
    return c.json(await createSession(deps, id), 201);
  });
  app.openapi(
    routes.get,
    async (c) => c.json(await getSession(deps, c.req.valid("param").id), 200),
  );
  app.openapi(routes.remove, async (c) => {
    await deleteSession(deps, c.req.valid("param").id);
    return c.body(null, 204);
  });
  return app;
}
