/**
 * The queues as the admin sees them (R-ADMIN-6): counts for inbound (intake stream + pending messages)
 * and outbound (the Redis delivery queue), the dead letters, and requeue / clear of the dead
 * letters. The pipeline owns these stores, so their layout and scripts stay here;
 * `admin/queue.ts` serves them as routes.
 */
import type { Deps } from "../deps.ts";
import { INTAKE_GROUP, INTAKE_STREAM } from "./intake.ts";
import { INBOUND_DEAD, INBOUND_FAILURES } from "./ingest.ts";
import { OUT } from "./outbound_queue.ts";
import { defineScript, runScript } from "./redis_script.ts";

type QueueDeps = Pick<Deps, "sql" | "redis">;

export interface Counts {
  queued: number;
  processing: number;
  failed: number;
}

export interface QueueCounts extends Counts {
  total: number;
  inbound: Counts;
  outbound: Counts;
}

export interface FailedItem {
  id: string;
  queue: "inbound" | "outbound";
  kind: string;
  attempts: number;
  /** Why it was dead-lettered: the last error, for the operator. */
  last_error: string;
  /** Inbound: the event's WhatsApp id; outbound: the reply's `messages` row id. */
  message_id: string | null;
  /** When it was dead-lettered (ISO 8601), null if not recorded. */
  failed_at: string | null;
  /** Who wrote it (inbound) or whom it was for (outbound), E.164, when known. */
  recipient: string | null;
  /** The first 100 characters of the text, when there is one. */
  excerpt: string | null;
}

const EXCERPT = 100;

function isoOrNull(ms: unknown): string | null {
  const n = Number(ms);
  return ms !== null && ms !== undefined && ms !== "" && Number.isFinite(n)
    ? new Date(n).toISOString()
    : null;
}

function excerptOf(text: unknown): string | null {
  return typeof text === "string" && text !== "" ? text.slice(0, EXCERPT) : null;
}

export async function queueCounts(deps: QueueDeps): Promise<QueueCounts> {
  const [redisCounts, pg] = await Promise.all([redisQueueCounts(deps), pgQueueCounts(deps)]);
  const inbound = {
    queued: redisCounts.intakeWaiting + pg.pendingUnclaimed,
    processing: redisCounts.intakeLeased + pg.usersAnswering,
    failed: redisCounts.inboundDead,
  };
  const outbound = {
    queued: Math.max(0, redisCounts.outJobs - redisCounts.outProcessing),
    processing: redisCounts.outProcessing,
    failed: redisCounts.outFailed,
  };
  const queued = inbound.queued + outbound.queued;
  const processing = inbound.processing + outbound.processing;
  const failed = inbound.failed + outbound.failed;
  return { queued, processing, failed, total: queued + processing + failed, inbound, outbound };
}

async function redisQueueCounts(deps: QueueDeps) {
  const results = await deps.redis.multi()
    .xlen(INTAKE_STREAM)
    .xpending(INTAKE_STREAM, INTAKE_GROUP)
    .hlen(INBOUND_DEAD)
    .zcard(OUT.jobs)
    .zcard(OUT.processing)
    .zcard(OUT.failed)
    .exec();
  const value = (i: number): unknown => {
    const entry = results?.[i];
    // NOGROUP (stream not created yet) simply means nothing is leased.
    return entry && !entry[0] ? entry[1] : null;
  };
  const length = Number(value(0) ?? 0);
  const pending = Number((value(1) as unknown[] | null)?.[0] ?? 0);
  return {
    intakeWaiting: Math.max(0, length - pending),
    intakeLeased: pending,
    inboundDead: Number(value(2) ?? 0),
    outJobs: Number(value(3) ?? 0),
    outProcessing: Number(value(4) ?? 0),
    outFailed: Number(value(5) ?? 0),
  };
}

async function pgQueueCounts(deps: QueueDeps) {
  const [row] = await deps.sql<{ pending_unclaimed: number; users_answering: number }[]>`
    SELECT
      (SELECT count(*)::int FROM messages m WHERE m.agent_status = 'pending'
        AND NOT EXISTS (SELECT 1 FROM agent_leases l
          WHERE l.user_id = m.user_id AND l.expires_at > now())) AS pending_unclaimed,
      (SELECT count(*)::int FROM agent_leases WHERE expires_at > now()) AS users_answering`;
  return {
    pendingUnclaimed: row?.pending_unclaimed ?? 0,
    usersAnswering: row?.users_answering ?? 0,
  };
}

/** Queue figures for `/system/health`: counts plus the age of the oldest waiting item. */
export async function queueHealth(deps: QueueDeps) {
  const counts = await queueCounts(deps);
  const [oldestJob, [oldestPending]] = await Promise.all([
    deps.redis.zrange(OUT.jobs, 0, "0", "WITHSCORES"),
    deps.sql<{ at: Date | null }[]>`
      SELECT min(created_at) AS at FROM messages WHERE agent_status = 'pending'`,
  ]);
  const ages: number[] = [];
  if (oldestJob[1] !== undefined) ages.push((Date.now() - Number(oldestJob[1])) / 1000);
  if (oldestPending?.at) ages.push((Date.now() - oldestPending.at.getTime()) / 1000);
  return {
    queued: counts.queued,
    processing: counts.processing,
    failed: counts.failed,
    oldest_queued_age_s: ages.length ? Math.round(Math.max(...ages) * 10) / 10 : null,
  };
}

export async function failedItems(deps: QueueDeps): Promise<{ items: FailedItem[] }> {
  const items: FailedItem[] = [];
  const dead = await deps.redis.hgetall(INBOUND_DEAD);
  for (const [id, raw] of Object.entries(dead)) {
    const d = safeJson(raw) as {
      event?: string;
      attempts?: number;
      last_error?: string;
      failed_at?: number;
    };
    const event = safeJson(d.event ?? "") as {
      kind?: string;
      waId?: string;
      from?: string;
      content?: string | null;
      caption?: string | null;
    } | null;
    items.push({
      id,
      queue: "inbound",
      kind: event?.kind ?? "unknown",
      attempts: Number(d.attempts ?? 0),
      last_error: String(d.last_error ?? ""),
      message_id: typeof event?.waId === "string" ? event.waId : null,
      failed_at: isoOrNull(d.failed_at),
      recipient: typeof event?.from === "string" ? event.from : null,
      excerpt: excerptOf(event?.content ?? event?.caption),
    });
  }
  const ids = await deps.redis.zrange(OUT.failed, 0, "999");
  if (ids.length > 0) {
    const pipe = deps.redis.pipeline();
    for (const id of ids) {
      pipe.hmget(
        OUT.job(id),
        "kind",
        "attempts",
        "last_error",
        "message_id",
        "failed_at",
        "to",
        "text",
      );
    }
    const rows = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const [kind, attempts, lastError, messageId, failedAt, to, text] =
        (rows[i]?.[1] ?? []) as (string | null)[];
      items.push({
        id,
        queue: "outbound",
        kind: kind ?? "reply",
        attempts: Number(attempts ?? 0),
        last_error: lastError ?? "",
        message_id: messageId || null,
        failed_at: isoOrNull(failedAt),
        recipient: to || null,
        // An auth code's text is the code itself: never shown.
        excerpt: kind === "auth_code" ? null : excerptOf(text),
      });
    });
  }
  return { items };
}

// Puts outbound dead letters back at the end of their recipient's queue with attempts and
// age reset: every one, or only ARGV[2] when given. Returns the ids of the `messages` rows to
// mark queued again. ARGV: now, id?
const REQUEUE_OUTBOUND = defineScript(`
local ids
if ARGV[2] then
  ids = {}
  if redis.call('ZSCORE', 'zapa:out:failed', ARGV[2]) then ids = {ARGV[2]} end
else
  ids = redis.call('ZRANGE', 'zapa:out:failed', 0, -1)
end
local rows = {}
for _, id in ipairs(ids) do
  local key = 'zapa:out:job:' .. id
  local to = redis.call('HGET', key, 'to')
  if to then
    local seq = redis.call('INCR', 'zapa:out:seq')
    redis.call('HSET', key, 'attempts', 0, 'permanent_failures', 0, 'last_error', '',
      'enqueued_at', ARGV[1], 'seq', seq)
    redis.call('HDEL', key, 'failed_at')
    redis.call('ZADD', 'zapa:out:rq:' .. to, seq, id)
    redis.call('ZADD', 'zapa:out:jobs', ARGV[1], id)
    if not redis.call('ZSCORE', 'zapa:out:processing', to) then
      redis.call('ZADD', 'zapa:out:due', ARGV[1], to)
    end
    local mid = redis.call('HGET', key, 'message_id')
    if mid and mid ~= '' then table.insert(rows, mid) end
  end
end
for _, id in ipairs(ids) do redis.call('ZREM', 'zapa:out:failed', id) end
redis.call('LPUSH', 'zapa:out:wake', '1')
redis.call('LTRIM', 'zapa:out:wake', 0, 0)
return {#ids, rows}
`);

/** Requeues every dead letter, or only the one with `only` as its id. */
export async function requeueFailed(
  deps: QueueDeps,
  only?: string,
): Promise<{ requeued: number }> {
  const [count, rowIds] = await runScript(deps.redis, REQUEUE_OUTBOUND, {
    args: only === undefined ? [Date.now()] : [Date.now(), only],
  }) as [number, string[]];
  if (rowIds.length > 0) {
    await deps.sql`UPDATE messages SET status = 'queued', updated_at = now()
      WHERE id = ANY(${rowIds.map(Number)}::bigint[]) AND status = 'failed'`;
  }
  const dead = await deps.redis.hgetall(INBOUND_DEAD);
  let inbound = 0;
  for (const [id, raw] of Object.entries(dead)) {
    if (only !== undefined && id !== only) continue;
    const event = (safeJson(raw) as { event?: string }).event;
    if (event) await deps.redis.xadd(INTAKE_STREAM, "*", "e", event);
    await deps.redis.hdel(INBOUND_DEAD, id);
    inbound++;
  }
  return { requeued: Number(count) + inbound };
}

export async function clearFailed(deps: QueueDeps): Promise<{ cleared: number }> {
  const ids = await deps.redis.zrange(OUT.failed, 0, "-1");
  const inbound = await deps.redis.hlen(INBOUND_DEAD);
  const pipe = deps.redis.multi();
  for (const id of ids) pipe.del(OUT.job(id));
  pipe.del(OUT.failed, INBOUND_DEAD, INBOUND_FAILURES);
  await pipe.exec();
  return { cleared: ids.length + inbound };
}

/** Deletes one dead letter (either queue); 0 when there was none with that id. */
export async function deleteFailed(deps: QueueDeps, id: string): Promise<{ deleted: number }> {
  const [[, outbound], [, inbound]] = (await deps.redis.multi()
    .zrem(OUT.failed, id)
    .hdel(INBOUND_DEAD, id)
    .exec()) as [[unknown, number], [unknown, number]];
  if (Number(outbound) > 0) await deps.redis.del(OUT.job(id));
  return { deleted: Number(outbound) + Number(inbound) };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) ?? {};
  } catch {
    return {};
  }
}
