/**
 * The delivery side of the outbound queue (layout in `outbound_queue.ts`): atomically lease due
 * recipients' head jobs, then complete, retry or dead-letter them. A recipient is leased as a
 * whole, so its jobs go out strictly in enqueue order and one stuck job blocks only it.
 */
import type { Redis } from "../redis.ts";
import { OUT, type OutboundKind } from "./outbound_queue.ts";
import { defineScript, runScript } from "./redis_script.ts";

export interface LeasedJob {
  id: string;
  kind: OutboundKind;
  to: string;
  text: string;
  messageId: number | null;
  expiresAt: number | null;
  enqueuedAt: number;
  attempts: number;
  permanentFailures: number;
  lastError: string;
  /** The WhatsApp id recorded by an earlier send of this job (send-once marker), if any. */
  sentMarker: string | null;
  /** When an earlier holder started a send whose outcome it never recorded (ms), if any. */
  attemptAt: number | null;
  /** Which holder (one run of one delivery worker) started that send. */
  attemptBy: string | null;
}

// An attempt marker is `<ms>|<holder>`; each holder's open attempts are also indexed in
// `zapa:out:attempts:<holder>` (score = ms), so the sends one crash left in doubt can be counted
// (see delivery's in-doubt rule). DROP_ATTEMPT removes a job's marker and its index entry.
const DROP_ATTEMPT = `
local function drop_attempt(id)
  local a = redis.call('GET', 'zapa:out:attempt:' .. id)
  if not a then return end
  local holder = string.match(a, '^[^|]*|(.+)$')
  if holder then redis.call('ZREM', 'zapa:out:attempts:' .. holder, id) end
  redis.call('DEL', 'zapa:out:attempt:' .. id)
end
local function stamp_attempt(id, now, holder)
  redis.call('SET', 'zapa:out:attempt:' .. id, now .. '|' .. holder, 'EX', 3600)
  redis.call('ZADD', 'zapa:out:attempts:' .. holder, now, id)
  redis.call('EXPIRE', 'zapa:out:attempts:' .. holder, 3600)
end
`;
const attemptScript = (body: string) => defineScript(DROP_ATTEMPT + body);

// A claimed job comes with its attempt marker, if any: the holder stamps one just before it
// sends (`markAttempt`), so a marker found here means an earlier holder died (or lost its
// lease) mid-send. ARGV: now, lease_until, max, owner
const CLAIM = defineScript(`
local rs = redis.call('ZRANGEBYSCORE', 'zapa:out:due', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, r in ipairs(rs) do
  redis.call('ZREM', 'zapa:out:due', r)
  local rq = 'zapa:out:rq:' .. r
  local head = redis.call('ZRANGE', rq, 0, 0)[1]
  while head and redis.call('EXISTS', 'zapa:out:job:' .. head) == 0 do
    redis.call('ZREM', rq, head)
    redis.call('ZREM', 'zapa:out:jobs', head)
    head = redis.call('ZRANGE', rq, 0, 0)[1]
  end
  if head then
    redis.call('ZADD', 'zapa:out:processing', ARGV[2], r)
    redis.call('HSET', 'zapa:out:owners', r, ARGV[4])
    local job = redis.call('HGETALL', 'zapa:out:job:' .. head)
    local marker = redis.call('GET', 'zapa:out:sent:' .. head)
    if marker then
      table.insert(job, 'sent_marker')
      table.insert(job, marker)
    end
    local attempt = redis.call('GET', 'zapa:out:attempt:' .. head)
    if attempt then
      table.insert(job, 'attempt')
      table.insert(job, attempt)
    end
    table.insert(out, job)
  end
end
local first = redis.call('ZRANGE', 'zapa:out:due', 0, 0, 'WITHSCORES')
return {out, first[2] or false}
`);

// Also hands back (and clears) a receipt parked for the WhatsApp id just recorded.
// ARGV: recipient, job id, now, marker ('' = none), marker ttl s, recorded wa id ('' = none)
const COMPLETE = attemptScript(`
local r, id = ARGV[1], ARGV[2]
if ARGV[4] ~= '' then
  redis.call('SET', 'zapa:out:sent:' .. id, ARGV[4], 'EX', tonumber(ARGV[5]))
  redis.call('SET', 'zapa:out:known:' .. ARGV[4], id, 'EX', 3600)
end
drop_attempt(id)
redis.call('ZREM', 'zapa:out:rq:' .. r, id)
redis.call('DEL', 'zapa:out:job:' .. id)
redis.call('ZREM', 'zapa:out:jobs', id)
redis.call('ZREM', 'zapa:out:processing', r)
redis.call('HDEL', 'zapa:out:owners', r)
if redis.call('ZCARD', 'zapa:out:rq:' .. r) > 0 then redis.call('ZADD', 'zapa:out:due', ARGV[3], r) end
if ARGV[6] ~= '' then
  redis.call('ZREM', 'zapa:out:orphans', ARGV[6])
  return redis.call('GETDEL', 'zapa:parked:' .. ARGV[6])
end
return false
`);

// ARGV: recipient, job id, due_at, attempts, permanent_failures, last_error, keep_attempt
const RETRY = attemptScript(`
local r, id = ARGV[1], ARGV[2]
if ARGV[7] ~= '1' then drop_attempt(id) end
if redis.call('EXISTS', 'zapa:out:job:' .. id) == 1 then
  redis.call('HSET', 'zapa:out:job:' .. id, 'attempts', ARGV[4], 'permanent_failures', ARGV[5],
    'last_error', ARGV[6])
end
redis.call('ZREM', 'zapa:out:processing', r)
redis.call('HDEL', 'zapa:out:owners', r)
if redis.call('ZCARD', 'zapa:out:rq:' .. r) > 0 then redis.call('ZADD', 'zapa:out:due', ARGV[3], r) end
return 1
`);

// ARGV: recipient, job id, now, attempts, permanent_failures, last_error
const DEAD_LETTER = attemptScript(`
local r, id = ARGV[1], ARGV[2]
drop_attempt(id)
redis.call('HSET', 'zapa:out:job:' .. id, 'attempts', ARGV[4], 'permanent_failures', ARGV[5],
  'last_error', ARGV[6], 'failed_at', ARGV[3])
redis.call('ZREM', 'zapa:out:rq:' .. r, id)
redis.call('ZREM', 'zapa:out:jobs', id)
redis.call('ZADD', 'zapa:out:failed', ARGV[3], id)
redis.call('ZREM', 'zapa:out:processing', r)
redis.call('HDEL', 'zapa:out:owners', r)
if redis.call('ZCARD', 'zapa:out:rq:' .. r) > 0 then redis.call('ZADD', 'zapa:out:due', ARGV[3], r) end
return 1
`);

// Every waiting recipient becomes due now. ARGV: now
const DRAIN = defineScript(`
local rs = redis.call('ZRANGEBYSCORE', 'zapa:out:due', ARGV[1], '+inf')
for _, r in ipairs(rs) do redis.call('ZADD', 'zapa:out:due', ARGV[1], r) end
redis.call('LPUSH', 'zapa:out:wake', '1')
redis.call('LTRIM', 'zapa:out:wake', 0, 0)
return #rs
`);

// Leases that expired, or that belonged to this instance before it restarted. ARGV: now, owner
const RECLAIM = defineScript(`
local n = 0
local rs = redis.call('ZRANGE', 'zapa:out:processing', 0, -1, 'WITHSCORES')
for i = 1, #rs, 2 do
  local r, until_ms = rs[i], tonumber(rs[i + 1])
  if until_ms < tonumber(ARGV[1]) or (ARGV[2] ~= '' and redis.call('HGET', 'zapa:out:owners', r) == ARGV[2]) then
    redis.call('ZREM', 'zapa:out:processing', r)
    redis.call('HDEL', 'zapa:out:owners', r)
    if redis.call('ZCARD', 'zapa:out:rq:' .. r) > 0 then redis.call('ZADD', 'zapa:out:due', ARGV[1], r) end
    n = n + 1
  end
end
return n
`);

export interface ClaimOptions {
  max: number;
  leaseMs: number;
  /** Stable per instance: a restarted instance takes its own recipient leases back. */
  owner: string;
  now?: number;
}

export async function claimDue(redis: Redis, options: ClaimOptions): Promise<LeasedJob[]> {
  return (await claimDueWithNext(redis, options)).jobs;
}

/** `claimDue`, plus when the earliest recipient still waiting becomes due (ms), or null. */
export async function claimDueWithNext(
  redis: Redis,
  options: ClaimOptions,
): Promise<{ jobs: LeasedJob[]; nextDue: number | null }> {
  const now = options.now ?? Date.now();
  const [raw, next] = await runScript(redis, CLAIM, {
    args: [now, now + options.leaseMs, options.max, options.owner],
  }) as [string[][], string | null];
  return { jobs: raw.map(toJob), nextDue: next ? Number(next) : null };
}

function toJob(flat: string[]): LeasedJob {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  const num = (v: string | undefined) => (v ? Number(v) : null);
  const attempt = parseAttempt(h.attempt);
  return {
    id: h.id ?? "",
    kind: h.kind === "auth_code" ? "auth_code" : "reply",
    to: h.to ?? "",
    text: h.text ?? "",
    messageId: num(h.message_id),
    expiresAt: num(h.expires_at),
    enqueuedAt: Number(h.enqueued_at ?? 0),
    attempts: Number(h.attempts ?? 0),
    permanentFailures: Number(h.permanent_failures ?? 0),
    lastError: h.last_error ?? "",
    sentMarker: h.sent_marker ?? null,
    attemptAt: attempt?.at ?? null,
    attemptBy: attempt?.holder ?? null,
  };
}

/** An attempt marker `<ms>|<holder>` (a bare `<ms>` from before holders were recorded). */
function parseAttempt(value: string | undefined): { at: number; holder: string | null } | null {
  if (!value) return null;
  const bar = value.indexOf("|");
  if (bar < 0) return { at: Number(value), holder: null };
  return { at: Number(value.slice(0, bar)), holder: value.slice(bar + 1) };
}

/** Send-once markers outlive any retry window (OUTBOUND_MAX_AGE is a day by default). */
export const SENT_MARKER_TTL_S = 8 * 86_400;

// The marker, the id as known, and the attempt marker dropped, in one step: from here the send
// is settled (the next holder finishes it from the marker), so it must not count among its
// holder's sends in doubt, where it would outnumber their receipts and have them all sent again.
// ARGV: job id, marker, ttl s, wa id ('' = none)
const MARK_SENT = attemptScript(`
redis.call('SET', 'zapa:out:sent:' .. ARGV[1], ARGV[2], 'EX', tonumber(ARGV[3]))
if ARGV[4] ~= '' then redis.call('SET', 'zapa:out:known:' .. ARGV[4], ARGV[1], 'EX', 3600) end
drop_attempt(ARGV[1])
return 1
`);

/** Records the send-once marker on its own (before the row is written); the send is settled. */
export async function markSent(redis: Redis, jobId: string, waId: string): Promise<void> {
  await runScript(redis, MARK_SENT, { args: [jobId, waId || "-", SENT_MARKER_TTL_S, waId] });
}

// ARGV: job id, now, holder
const MARK_ATTEMPT = attemptScript(`
drop_attempt(ARGV[1])
stamp_attempt(ARGV[1], ARGV[2], ARGV[3])
return 1
`);

/**
 * Stamps a job's attempt marker (replacing an earlier holder's): `holder` is about to send it.
 * Awaited before the send, so a crash before this point leaves no doubt: nothing was sent.
 */
export async function markAttempt(
  redis: Redis,
  jobId: string,
  holder: string,
  at = Date.now(),
): Promise<void> {
  await runScript(redis, MARK_ATTEMPT, { args: [jobId, at, holder] });
}

/** The sends one holder started and never settled: how many, and when the first and last began. */
export interface AttemptGroup {
  size: number;
  firstAt: number;
  lastAt: number;
}

export async function openAttempts(redis: Redis, holder: string): Promise<AttemptGroup> {
  const [[, size], [, first], [, last]] = await redis.multi()
    .zcard(OUT.attempts(holder))
    .zrange(OUT.attempts(holder), 0, "0", "WITHSCORES")
    .zrange(OUT.attempts(holder), -1, "-1", "WITHSCORES")
    .exec() as [[unknown, number], [unknown, string[]], [unknown, string[]]];
  return { size, firstAt: Number(first[1] ?? NaN), lastAt: Number(last[1] ?? NaN) };
}

/**
 * Counts receipts for unrecorded WhatsApp ids that arrived at or after `since`, dropping the
 * ones that turned out to be known (their sender recorded them after all).
 */
export async function countOrphanReceipts(
  redis: Redis,
  since: number,
  isKnown: (waId: string) => Promise<boolean>,
): Promise<number> {
  const candidates = await redis.zrangebyscore(OUT.orphans, since, "+inf", "LIMIT", 0, 1_000);
  let count = 0;
  for (const waId of candidates) {
    if (await isKnown(waId)) await redis.zrem(OUT.orphans, waId);
    else count++;
  }
  return count;
}

// Takes one orphan receipt for a job and marks its id known in the same step, so a later
// receipt for the same id (delivered, read, a webhook retry) cannot make it an orphan again for
// a second job. ARGV: wa id, job id
const TAKE_ORPHAN = defineScript(`
if redis.call('ZREM', 'zapa:out:orphans', ARGV[1]) == 0 then return 0 end
if redis.call('EXISTS', 'zapa:out:known:' .. ARGV[1]) == 1 then return 0 end
redis.call('SET', 'zapa:out:known:' .. ARGV[1], ARGV[2], 'EX', 3600)
return 1
`);

/**
 * Takes, for `jobId`, the oldest receipt for an unrecorded WhatsApp id that arrived at or after
 * `since`. Atomic: no two jobs ever take the same id. Null when there is none.
 */
export async function takeOrphanReceipt(
  redis: Redis,
  since: number,
  isKnown: (waId: string) => Promise<boolean>,
  jobId: string,
): Promise<string | null> {
  const candidates = await redis.zrangebyscore(OUT.orphans, since, "+inf", "LIMIT", 0, 20);
  for (const waId of candidates) {
    if (await isKnown(waId)) {
      await redis.zrem(OUT.orphans, waId);
      continue;
    }
    if (Number(await runScript(redis, TAKE_ORPHAN, { args: [waId, jobId] })) === 1) return waId;
  }
  return null;
}

// Receipts for ids nobody recorded, noted as evidence for sends left in doubt; an id already
// known (recorded, or taken by an in-doubt job) is not an orphan. ARGV: now, cutoff, ids...
const NOTE_ORPHANS = defineScript(`
for i = 3, #ARGV do
  if redis.call('EXISTS', 'zapa:out:known:' .. ARGV[i]) == 0 then
    redis.call('ZADD', 'zapa:out:orphans', 'NX', ARGV[1], ARGV[i])
  end
end
redis.call('ZREMRANGEBYSCORE', 'zapa:out:orphans', '-inf', ARGV[2])
return 1
`);

export async function noteOrphanReceipts(
  redis: Redis,
  waIds: string[],
  options: { now: number; keepMs: number },
): Promise<void> {
  await runScript(redis, NOTE_ORPHANS, {
    args: [options.now, options.now - options.keepMs, ...waIds],
  });
}

/**
 * Removes the finished job and makes the recipient's next job due at once. With `recorded`
 * (the WhatsApp id just written to the row), returns the receipt parked for it, if any.
 */
export async function completeJob(
  redis: Redis,
  job: Pick<LeasedJob, "id" | "to">,
  options: { marker?: string; recorded?: string } = {},
): Promise<string | null> {
  const parked = await runScript(redis, COMPLETE, {
    args: [
      job.to,
      job.id,
      Date.now(),
      options.marker ?? "",
      SENT_MARKER_TTL_S,
      options.recorded ?? "",
    ],
  });
  return typeof parked === "string" ? parked : null;
}

export async function retryJob(
  redis: Redis,
  job: Pick<LeasedJob, "id" | "to" | "attempts" | "permanentFailures">,
  options: { dueAt: number; lastError: string; keepAttempt?: boolean },
): Promise<void> {
  await runScript(redis, RETRY, {
    args: [
      job.to,
      job.id,
      options.dueAt,
      job.attempts,
      job.permanentFailures,
      options.lastError.slice(0, 300),
      options.keepAttempt ? "1" : "",
    ],
  });
}

export async function deadLetterJob(
  redis: Redis,
  job: Pick<LeasedJob, "id" | "to" | "attempts" | "permanentFailures">,
  lastError: string,
): Promise<void> {
  await runScript(redis, DEAD_LETTER, {
    args: [
      job.to,
      job.id,
      Date.now(),
      job.attempts,
      job.permanentFailures,
      lastError.slice(0, 300),
    ],
  });
}

/** Makes every waiting job due now (bridge back, `session.connected`); returns recipients. */
export async function drainOutbound(redis: Redis): Promise<number> {
  return Number(await runScript(redis, DRAIN, { args: [Date.now()] }));
}

/** Releases expired recipient leases (and, with `owner`, this instance's old ones). */
export async function reclaimLeases(redis: Redis, owner = ""): Promise<number> {
  return Number(await runScript(redis, RECLAIM, { args: [Date.now(), owner] }));
}

/** When the earliest waiting recipient becomes due (ms epoch), or null. */
export async function nextDueAt(redis: Redis): Promise<number | null> {
  const first = await redis.zrange(OUT.due, 0, "0", "WITHSCORES");
  return first[1] === undefined ? null : Number(first[1]);
}
