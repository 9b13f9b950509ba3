/**
 * The Redis outbound queue (R-INTAKE-6, R-DELIVERY-*, R-ORDER-3): replies and auth codes waiting to be sent to the
 * bridge. Both entrypoints enqueue here; only the private delivery worker consumes.
 *
 * Layout (all under `zapa:out:`): each job is a hash `job:{id}`; each recipient has its own
 * ordered set `rq:{to}` (score = enqueue sequence) so one stuck recipient blocks nobody else;
 * `due` holds recipients whose head job may be tried (score = when), `processing` the
 * recipients leased by a worker (score = lease expiry), `jobs` every live job (score = enqueue
 * time, for counts and age), `failed` the dead letters, `sent:{id}` the send-once markers,
 * `attempt:{id}` the in-doubt markers (indexed per worker run in `attempts:{holder}`, judged once
 * in `verdict:{holder}`) and `wake` a one-item list that blocking workers wait on.
 */
import type { Redis } from "../redis.ts";
import { defineScript, runScript } from "./redis_script.ts";

export type OutboundKind = "reply" | "auth_code";

export interface OutboundJob {
  /** `reply:{inbound message id}` or `auth:{auth_code id}`; enqueueing an existing id is a no-op. */
  id: string;
  kind: OutboundKind;
  /** E.164 recipient. */
  to: string;
  text: string;
  /** The outbound `messages` row to update after sending (replies only). */
  messageId?: number;
  /** ms epoch after which the job is dropped (auth codes expire with their code). */
  expiresAt?: number;
}

export const OUT = {
  seq: "zapa:out:seq",
  job: (id: string) => `zapa:out:job:${id}`,
  recipient: (to: string) => `zapa:out:rq:${to}`,
  due: "zapa:out:due",
  processing: "zapa:out:processing",
  owners: "zapa:out:owners",
  jobs: "zapa:out:jobs",
  failed: "zapa:out:failed",
  sent: (id: string) => `zapa:out:sent:${id}`,
  /** Set just before a send; outlives a crash mid-send, so the next holder knows it is in doubt. */
  attempt: (id: string) => `zapa:out:attempt:${id}`,
  /** One holder's attempts not yet settled (score = ms): what one crash can leave in doubt. */
  attempts: (holder: string) => `zapa:out:attempts:${holder}`,
  /** The settle-or-resend verdict on one dead holder's sends left in doubt. */
  verdict: (holder: string) => `zapa:out:verdict:${holder}`,
  /** WhatsApp ids this system sent (auth codes have no row to find them by). */
  known: (waId: string) => `zapa:out:known:${waId}`,
  /** Receipts for ids nobody has recorded yet (score = arrival): evidence for in-doubt sends. */
  orphans: "zapa:out:orphans",
  wake: "zapa:out:wake",
} as const;

// ARGV: id, kind, to, text, message_id, expires_at, now
const ENQUEUE = defineScript(`
local jobKey = 'zapa:out:job:' .. ARGV[1]
if redis.call('EXISTS', jobKey) == 1 then return 0 end
local seq = redis.call('INCR', 'zapa:out:seq')
redis.call('HSET', jobKey, 'id', ARGV[1], 'kind', ARGV[2], 'to', ARGV[3], 'text', ARGV[4],
  'message_id', ARGV[5], 'expires_at', ARGV[6], 'enqueued_at', ARGV[7], 'seq', seq,
  'attempts', 0, 'permanent_failures', 0, 'last_error', '')
redis.call('ZADD', 'zapa:out:rq:' .. ARGV[3], seq, ARGV[1])
redis.call('ZADD', 'zapa:out:jobs', ARGV[7], ARGV[1])
if not redis.call('ZSCORE', 'zapa:out:processing', ARGV[3]) then
  redis.call('ZADD', 'zapa:out:due', 'NX', ARGV[7], ARGV[3])
end
redis.call('LPUSH', 'zapa:out:wake', '1')
redis.call('LTRIM', 'zapa:out:wake', 0, 0)
return 1
`);

/**
 * Adds a job unless one with the same id exists (ZADD NX semantics); true when added.
 * Throws when Redis is unavailable — callers with a durable row (replies) rely on the sweeper
 * to enqueue it later.
 */
export async function enqueueOutbound(redis: Redis, job: OutboundJob): Promise<boolean> {
  const added = await runScript(redis, ENQUEUE, {
    args: [
      job.id,
      job.kind,
      job.to,
      job.text,
      job.messageId ?? "",
      job.expiresAt ?? "",
      Date.now(),
    ],
  });
  return added === 1;
}
