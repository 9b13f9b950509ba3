/**
 * Delivery receipts (R-WEBHOOK-6): `sent` < `delivered` < `read`, `failed` final, applied by
 * WhatsApp id. The bridge often reports `message.sent` before the delivery worker has written
 * the id, so a receipt for an unknown id is parked for 5 minutes and applied when the id is
 * recorded (in Redis so any instance sees it; in memory while Redis is down).
 */
import type { Sql } from "../db/mod.ts";
import type { Redis } from "../redis.ts";
import { applyStatus, applyStatuses, laterStatus, statusRank } from "./inbound_store.ts";
import type { DeliveryStatus } from "./webhook_event.ts";
import { defineScript, runScript } from "./redis_script.ts";
import { OUT } from "./outbound_queue.ts";
import { noteOrphanReceipts } from "./outbound_store.ts";

export const PARK_TTL_MS = 5 * 60_000;
const parkKey = (waId: string) => `zapa:parked:${waId}`;

// KEYS: park key. ARGV: rank, status, ttl ms
const PARK = defineScript(`
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(string.sub(cur, 1, 1)) >= tonumber(ARGV[1]) then return 0 end
if cur then
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', tonumber(ARGV[3]))
end
return 1
`);

export class StatusParking {
  #memory = new Map<string, { status: DeliveryStatus; expires: number }>();

  constructor(private deps: { sql: Sql; redis: Redis }) {}

  /** Applies a receipt now, or parks it until the id is recorded. */
  async record(waId: string, status: DeliveryStatus): Promise<"applied" | "unchanged" | "parked"> {
    const first = await applyStatus(this.deps.sql, waId, status);
    if (first !== "unknown") return first;
    await this.#park(waId, status);
    await this.#noteOrphans([waId]);
    // The id may have been recorded between the update and the park: look once more.
    const again = await applyStatus(this.deps.sql, waId, status);
    if (again === "unknown") return "parked";
    await this.take(waId);
    return again;
  }

  /** `record` for a batch: one statement for the known ids, parking for the rest. */
  async recordMany(receipts: { waId: string; status: DeliveryStatus }[]): Promise<void> {
    const latest = new Map<string, DeliveryStatus>();
    for (const r of receipts) {
      latest.set(r.waId, laterStatus(latest.get(r.waId) ?? null, r.status)!);
    }
    const list = [...latest].map(([waId, status]) => ({ waId, status }));
    const known = await applyStatuses(this.deps.sql, list);
    const unknown = list.filter((r) => !known.has(r.waId));
    if (unknown.length === 0) return;
    await Promise.all(unknown.map((r) => this.#park(r.waId, r.status)));
    await this.#noteOrphans(unknown.map((r) => r.waId));
    // Ids recorded between the update and the parking: apply those now.
    const late = await applyStatuses(this.deps.sql, unknown);
    for (const waId of late) await this.take(waId);
  }

  /** The receipt parked in this process's memory for an id (while Redis was down), taken. */
  takeLocal(waId: string): DeliveryStatus | null {
    const mem = this.#memory.get(waId);
    if (!mem) return null;
    this.#memory.delete(waId);
    return mem.expires > Date.now() ? mem.status : null;
  }

  /** Removes and returns the receipt parked for an id (called right after recording it). */
  async take(waId: string): Promise<DeliveryStatus | null> {
    let status: DeliveryStatus | null = null;
    const mem = this.#memory.get(waId);
    if (mem) {
      this.#memory.delete(waId);
      if (mem.expires > Date.now()) status = mem.status;
    }
    try {
      const [[, value]] = await this.deps.redis.multi().getdel(parkKey(waId)).zrem(
        OUT.orphans,
        waId,
      )
        .exec() as [[unknown, string | null]];
      if (value) status = laterStatus(status, value.slice(2) as DeliveryStatus);
    } catch {
      // Redis down: only the in-memory parking applies.
    }
    return status;
  }

  /**
   * Remembers receipts for ids nobody has recorded: after a crash mid-send they are the only
   * evidence that the bridge accepted the send (see delivery's in-doubt handling).
   */
  async #noteOrphans(waIds: string[]): Promise<void> {
    try {
      await noteOrphanReceipts(this.deps.redis, waIds, { now: Date.now(), keepMs: PARK_TTL_MS });
    } catch {
      // Redis down: nothing to remember the receipt in; an in-doubt send is then resent.
    }
  }

  async #park(waId: string, status: DeliveryStatus): Promise<void> {
    try {
      await runScript(this.deps.redis, PARK, {
        keys: [parkKey(waId)],
        args: [statusRank(status), status, PARK_TTL_MS],
      });
    } catch {
      this.#pruneMemory();
      const cur = this.#memory.get(waId);
      this.#memory.set(waId, {
        status: laterStatus(cur?.status ?? null, status)!,
        expires: cur?.expires ?? Date.now() + PARK_TTL_MS,
      });
    }
  }

  #pruneMemory(): void {
    if (this.#memory.size < 10_000) return;
    const now = Date.now();
    for (const [id, v] of this.#memory) if (v.expires <= now) this.#memory.delete(id);
  }
}
