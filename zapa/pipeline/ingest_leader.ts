/**
 * One ingest consumer at a time (R-INTAKE-4 with several private instances): the
 * instance holding this Redis lease is the only one reading the intake stream, so events are
 * stored in the order they arrived and a user's oldest message is always stored before a newer
 * one is answered. Two consumers reading alternate batches stored them out of order (the
 * replica drill saw replies go out of a user's order).
 */
import type { Redis } from "../redis.ts";
import { defineScript, runScript } from "./redis_script.ts";
import { INTAKE_GROUP, INTAKE_STREAM } from "./intake.ts";

export const INGEST_LEADER = "zapa:intake:leader";
/** Renewed on every read (at least every second); a dead leader is replaced within this. */
export const LEADER_TTL_MS = 5_000;

/** 1: still ours (renewed); 2: taken now; 0: another consumer holds it. */
const HOLD = defineScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0
`);

const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export type Leadership = "kept" | "taken" | "other";

/** Takes or renews the lease for `consumer`. */
export async function holdIngestLead(
  redis: Redis,
  consumer: string,
  ttlMs = LEADER_TTL_MS,
): Promise<Leadership> {
  const result = Number(
    await runScript(redis, HOLD, { keys: [INGEST_LEADER], args: [consumer, ttlMs] }),
  );
  return result === 1 ? "kept" : result === 2 ? "taken" : "other";
}

/** Hands the lease back (only if still ours), so another instance takes over at once. */
export async function releaseIngestLead(redis: Redis, consumer: string): Promise<boolean> {
  return Number(await runScript(redis, RELEASE, { keys: [INGEST_LEADER], args: [consumer] })) ===
    1;
}

/**
 * A new leader first takes every entry the previous one read but did not acknowledge (it died
 * or stopped), so they are stored before anything newer; storing is idempotent, so an entry
 * the old leader did store is a no-op.
 */
export async function claimAllPending(redis: Redis, consumer: string): Promise<number> {
  let cursor = "0-0";
  let claimed = 0;
  do {
    const result = await redis.xautoclaim(
      INTAKE_STREAM,
      INTAKE_GROUP,
      consumer,
      0,
      cursor,
      "COUNT",
      1_000,
      "JUSTID",
    ) as [string, string[], string[]?];
    cursor = result[0];
    claimed += result[1]?.length ?? 0;
  } while (cursor !== "0-0");
  return claimed;
}
