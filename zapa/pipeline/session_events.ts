/**
 * Bridge session events (R-WEBHOOK-7): mirror the session state in `sessions`; on
 * `session.connected` every waiting outbound job becomes due at once.
 */
import type { Deps } from "../deps.ts";
import { errorText, log } from "../log.ts";
import { jidToPhone, normalisePhone } from "../phone.ts";
import { drainOutbound } from "./outbound_store.ts";
import type { SessionEvent } from "./webhook_event.ts";
import type { Wake } from "./wake.ts";

export async function handleSessionEvent(
  deps: Pick<Deps, "config" | "sql" | "redis">,
  event: SessionEvent,
  wake: Wake,
): Promise<void> {
  const sessionId = event.sessionId ?? deps.config.whatsapp.sessionId;
  if (event.connected) {
    try {
      const drained = await drainOutbound(deps.redis);
      log.info("session connected: outbound queue drained", { session: sessionId, drained });
    } catch (error) {
      log.warn("session connected: drain failed", { error: errorText(error) });
    }
    wake.delivery();
  }
  try {
    await mirrorSession(deps, {
      bridgeSessionId: sessionId,
      status: event.connected ? "connected" : "disconnected",
      phoneNumber: event.phoneNumber,
      metadata: event.connected ? { name: event.name } : { reason: event.reason },
    });
  } catch (error) {
    log.warn("session event: could not update sessions", { error: errorText(error) });
  }
}

export type SessionStatus = "qr_pending" | "connecting" | "connected" | "disconnected" | "error";

/** Upserts the `sessions` row for a bridge session. */
export async function mirrorSession(
  deps: Pick<Deps, "config" | "sql">,
  s: {
    bridgeSessionId: string;
    status: SessionStatus;
    phoneNumber?: string | null;
    metadata?: Record<string, unknown>;
  },
): Promise<void> {
  const phone = s.phoneNumber ? normalisePhone(jidToPhone(s.phoneNumber) ?? "") : null;
  const type = s.bridgeSessionId === deps.config.whatsapp.sessionId ? "main" : "user";
  const connected = s.status === "connected";
  const disconnected = s.status === "disconnected";
  await deps.sql`
    INSERT INTO sessions (bridge_session_id, session_type, status, phone_number, connected_at,
      disconnected_at, session_metadata)
    VALUES (${s.bridgeSessionId}, ${type}, ${s.status}, ${phone},
      ${connected ? new Date() : null}, ${disconnected ? new Date() : null},
      ${deps.sql.json((s.metadata ?? {}) as Parameters<typeof deps.sql.json>[0])})
    ON CONFLICT (bridge_session_id) DO UPDATE SET
      status = EXCLUDED.status,
      phone_number = COALESCE(EXCLUDED.phone_number, sessions.phone_number),
      connected_at = CASE WHEN ${connected}::boolean AND sessions.status <> 'connected'
        THEN now() ELSE sessions.connected_at END,
      disconnected_at = CASE WHEN ${disconnected}::boolean THEN now()
        ELSE sessions.disconnected_at END,
      session_metadata = sessions.session_metadata || EXCLUDED.session_metadata,
      updated_at = now()`;
}
