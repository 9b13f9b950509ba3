/**
 * Webhook intake (R-INTAKE-1, R-INTAKE-2): with Redis up, one atomic script marks a message `seen`
 * (NX) and appends the event to the intake stream — no PostgreSQL on the hot path. With Redis
 * failing, the event goes straight into PostgreSQL (`ON CONFLICT DO NOTHING`). With both down
 * the caller answers 503 and the bridge retries.
 */
import type { Deps } from "../deps.ts";
import { errorText, log } from "../log.ts";
import { firstConnection, hasConnected, type Redis } from "../redis.ts";
import { defineScript, ScriptBatcher } from "./redis_script.ts";
import { storeInbound } from "./inbound_store.ts";
import type { StatusParking } from "./statuses.ts";
import type { Wake } from "./wake.ts";
import type { InboundMessage, StatusEvent } from "./webhook_event.ts";

export const INTAKE_STREAM = "zapa:intake";
export const INTAKE_GROUP = "ingest";
/** How long a WhatsApp id is remembered in Redis; PostgreSQL's unique index guards beyond. */
export const SEEN_TTL_S = 86_400;
export const seenKey = (waId: string) => `zapa:seen:${waId}`;

// KEYS: stream, seen key ('' for none). ARGV: event json, seen ttl
const INTAKE = defineScript(`
if KEYS[2] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[2])) then return 0 end
end
redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
return 1
`);

const batchers = new WeakMap<Redis, ScriptBatcher>();

/** Intake calls of one event-loop turn share a Redis write (see `ScriptBatcher`). */
function intakeBatcher(redis: Redis): ScriptBatcher {
  let batcher = batchers.get(redis);
  if (!batcher) batchers.set(redis, batcher = new ScriptBatcher(redis, INTAKE));
  return batcher;
}

/** Outages are logged once per 5 s, not once per webhook. */
let lastFallbackLog = 0;

export type IntakeResult = "accepted" | "duplicate" | "unavailable";

export interface IntakeHooks {
  parking: StatusParking;
  /** Told when a message became pending in PostgreSQL directly (Redis was down). */
  wake: Wake;
  /** Something was appended to the intake stream. */
  onQueued?: () => void;
}

/** Stores a message or receipt durably in Redis, else PostgreSQL. */
export async function intake(
  deps: Pick<Deps, "config" | "sql" | "redis" | "metrics">,
  event: InboundMessage | StatusEvent,
  hooks: IntakeHooks,
): Promise<IntakeResult> {
  // Right after a (re)start the client has not connected yet: a webhook then would go to
  // PostgreSQL ahead of the same user's earlier messages still waiting in the intake stream.
  if (!hasConnected(deps.redis)) await firstConnection(deps.redis, 1_000);
  try {
    const added = await intakeBatcher(deps.redis).run({
      keys: [INTAKE_STREAM, event.kind === "message" ? seenKey(event.waId) : ""],
      args: [JSON.stringify(event), SEEN_TTL_S],
    });
    hooks.onQueued?.();
    return added === 1 ? "accepted" : "duplicate";
  } catch (error) {
    if (Date.now() - lastFallbackLog > 5_000) {
      lastFallbackLog = Date.now();
      log.warn("intake: redis failed, writing to postgresql", { error: errorText(error) });
    }
    deps.metrics.inc("zapa_intake_fallback_total", "Webhook events stored directly in PostgreSQL");
  }
  try {
    if (event.kind === "status") {
      await hooks.parking.record(event.waId, event.status);
      return "accepted";
    }
    // Marked, so that an operator (and the replica drill) can tell a message that skipped the
    // Redis queue: it may be answered ahead of the same user's earlier messages still there.
    const marked = { ...event, metadata: { ...event.metadata, intake: "postgresql" } };
    const stored = await storeInbound(deps.sql, deps.config, marked);
    if (!stored) return "duplicate";
    if (stored.pending) hooks.wake.agent(stored.userId);
    return "accepted";
  } catch (error) {
    log.error("intake: postgresql failed too", { error: errorText(error) });
    return "unavailable";
  }
}
