/**
 * The delivery worker (R-INTAKE-8, R-DELIVERY-*): leases due recipients, sends their head job to the
 * bridge, and retries with capped backoff. Send once: a job whose marker exists is never sent
 * again; after the bridge accepts, the marker is set first, then the row gets its WhatsApp id
 * and `status='sent'`. Permanent failures dead-letter after 3 tries (`status='failed'`).
 */
import type { Deps } from "../deps.ts";
import type { Redis } from "../redis.ts";
import { isUniqueViolation } from "../db/mod.ts";
import { errorText, log, maskPhone } from "../log.ts";
import { retryDelay } from "./backoff.ts";
import { sendText } from "./bridge_client.ts";
import {
  claimDueWithNext,
  completeJob,
  countOrphanReceipts,
  deadLetterJob,
  type LeasedJob,
  markAttempt,
  markSent,
  openAttempts,
  retryJob,
  takeOrphanReceipt,
} from "./outbound_store.ts";
import { OUT } from "./outbound_queue.ts";
import type { StatusParking } from "./statuses.ts";
import { Signal } from "./signal.ts";
import { applyStatus, laterStatus } from "./inbound_store.ts";
import type { DeliveryStatus } from "./webhook_event.ts";

export interface DeliveryOptions {
  owner: string;
  /** Connection for BLPOP on the wake list (no command timeout). */
  blocking: Redis;
  parking: StatusParking;
  /**
   * Recipients sent to in parallel (default 256: a burst of replies — a thousand users
   * answered within a second — must not queue behind a few dozen sends in flight).
   */
  maxInFlight?: number;
}

const IDLE_WAIT_MS = 1_000;
/**
 * How long after a crashed holder's last attempt its sends left in doubt wait for the bridge's
 * receipts before they are judged: longer than the bridge's webhook retries (zapw: 3 attempts,
 * 1 s then 2 s apart).
 */
export const IN_DOUBT_WINDOW_MS = 5_000;

export class DeliveryWorker {
  #signal = new Signal();
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #loops: Promise<void>[] = [];
  #max: number;
  /**
   * This run of this worker. Attempt markers name it, so the sends one crash left in doubt
   * form one group, told apart from the sends of the same instance's next run.
   */
  readonly holder: string;

  constructor(private deps: Deps, private options: DeliveryOptions) {
    this.#max = options.maxInFlight ?? 256;
    this.holder = `${options.owner}#${crypto.randomUUID().slice(0, 8)}`;
  }

  /** Wakes the loop at once (a job was enqueued or became due in this process). */
  kick(): void {
    this.#signal.notify();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = [this.#dispatch(), this.#listen()];
  }

  /** Stops taking jobs and waits (bounded) for sends in flight. */
  async stop(graceMs = 3_000): Promise<void> {
    this.#running = false;
    this.#signal.notify();
    await Promise.race([
      Promise.allSettled([...this.#inFlight, ...this.#loops]),
      new Promise((r) => setTimeout(r, graceMs)),
    ]);
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  async #dispatch(): Promise<void> {
    const leaseMs = this.deps.config.leaseMs + this.deps.config.outbound.sendTimeoutMs;
    while (this.#running) {
      const wait = this.#signal.wait();
      let claimed = 0;
      let idleMs = IDLE_WAIT_MS;
      try {
        const free = this.#max - this.#inFlight.size;
        if (free > 0) {
          const { jobs, nextDue } = await claimDueWithNext(this.deps.redis, {
            max: free,
            leaseMs,
            owner: this.options.owner,
          });
          claimed = jobs.length;
          for (const job of jobs) this.#track(this.#handle(job));
          if (claimed === 0 && nextDue !== null) {
            idleMs = Math.max(0, Math.min(IDLE_WAIT_MS, nextDue - Date.now()));
          }
        }
      } catch (error) {
        log.debug("delivery: claim failed", { error: errorText(error) });
        idleMs = 250;
      }
      if (claimed > 0 && this.#inFlight.size < this.#max) continue;
      await wait.until(idleMs);
    }
  }

  /** Blocks on the wake list so jobs enqueued by other processes start at once. */
  async #listen(): Promise<void> {
    while (this.#running) {
      try {
        const got = await this.options.blocking.blpop(OUT.wake, 1);
        if (got) this.#signal.notify();
      } catch {
        if (!this.#running) return;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p);
    p.finally(() => {
      this.#inFlight.delete(p);
      this.#signal.notify();
    });
  }

  async #handle(job: LeasedJob): Promise<void> {
    try {
      await this.#deliver(job);
    } catch (error) {
      // Redis or PostgreSQL failed mid-way: the lease expires and the job is retried; the
      // send-once marker keeps a retry from sending twice.
      log.warn("delivery: job interrupted", { job: job.id, error: errorText(error) });
      await retryJob(this.deps.redis, job, {
        dueAt: Date.now() + 500,
        lastError: errorText(error),
      }).catch(() => {});
    }
  }

  async #deliver(job: LeasedJob): Promise<void> {
    const { config, metrics, redis } = this.deps;
    if (job.sentMarker !== null) {
      await this.#finishReply(job, job.sentMarker === "-" ? "" : job.sentMarker);
      return;
    }
    if (job.attemptAt !== null && await this.#inDoubt(job)) return;
    const now = Date.now();
    if (job.expiresAt !== null && now >= job.expiresAt) {
      log.info("delivery: job expired", { job: job.id, kind: job.kind });
      await completeJob(redis, job);
      return;
    }
    if (now - job.enqueuedAt > config.outbound.maxAgeSeconds * 1000) {
      await this.#deadLetter(job, job.lastError || "expired: OUTBOUND_MAX_AGE reached");
      return;
    }
    // From here until the outcome is recorded the send is in doubt should this process die.
    await markAttempt(redis, job.id, this.holder);
    const started = performance.now();
    const result = await sendText(config, { to: job.to, text: job.text });
    metrics.observe(
      "zapa_bridge_send_seconds",
      "Bridge send latency",
      { outcome: result.ok ? "ok" : "error" },
      (performance.now() - started) / 1000,
    );
    if (result.ok) {
      // One line per accepted send: the trace finds a message's send by its ids here.
      log.info("delivery: sent", {
        job: job.id,
        kind: job.kind,
        message_id: job.messageId,
        wa_id: result.messageId || null,
        attempts: job.attempts + 1,
        duration_ms: Math.round(performance.now() - started),
      });
      if (job.kind === "auth_code") {
        await completeJob(redis, job, { marker: result.messageId || "-" });
      } else {
        await markSent(redis, job.id, result.messageId);
        await this.#finishReply(job, result.messageId);
      }
      metrics.inc("zapa_outbound_sent_total", "Outbound messages accepted by the bridge", {
        kind: job.kind,
      });
      return;
    }
    const attempts = job.attempts + 1;
    const permanentFailures = job.permanentFailures + (result.transient ? 0 : 1);
    metrics.inc("zapa_delivery_failures_total", "Failed bridge sends", {
      kind: result.transient ? "transient" : "permanent",
    });
    const next = { ...job, attempts, permanentFailures };
    if (permanentFailures >= config.outbound.permanentFailureAttempts) {
      await this.#deadLetter(next, result.error);
      return;
    }
    const delay = retryDelay(attempts, {
      baseMs: config.outbound.retryBaseMs,
      maxMs: config.outbound.retryMaxMs,
    });
    log.warn("delivery: send failed, will retry", {
      job: job.id,
      to: maskPhone(job.to),
      attempts,
      transient: result.transient,
      error: result.error,
      retry_in_ms: delay,
    });
    await retryJob(redis, next, { dueAt: Date.now() + delay, lastError: result.error });
  }

  /**
   * An earlier holder started sending this job and died before recording the outcome: the bridge may
   * or may not have taken the send. zapw's receipts carry only the WhatsApp id, never the
   * recipient, so a receipt for an id nobody recorded proves that *one of* the dead holder's
   * sends arrived, not which. The holder's sends left in doubt are therefore judged together,
   * once its receipts have had time to come (IN_DOUBT_WINDOW_MS after its last attempt): with
   * at least as many orphan receipts as sends in doubt, every one of them arrived and each is
   * settled with a receipt (which id goes to which row may be swapped; the statuses that
   * follow are then swapped too). With fewer, any of them may be the one that never arrived,
   * so all are sent again: a send that had arrived is repeated once rather than one lost.
   * True when the job was settled or postponed.
   */
  async #inDoubt(job: LeasedJob): Promise<boolean> {
    const { redis, sql } = this.deps;
    const attemptAt = job.attemptAt!;
    const holder = job.attemptBy;
    // A marker from before holders were recorded is a group of its own.
    const group = holder === null
      ? { size: 1, firstAt: attemptAt, lastAt: attemptAt }
      : await openAttempts(redis, holder);
    const judgeAt = Math.max(attemptAt, group.lastAt || attemptAt) + IN_DOUBT_WINDOW_MS;
    if (Date.now() < judgeAt) {
      await retryJob(redis, job, {
        dueAt: judgeAt,
        lastError: job.lastError,
        keepAttempt: true,
      });
      return true;
    }
    const since = Math.min(attemptAt, group.firstAt || attemptAt);
    const isKnown = async (id: string) => {
      if (await redis.exists(OUT.known(id))) return true;
      return (await sql`SELECT 1 FROM messages WHERE whatsapp_message_id = ${id}`).length > 0;
    };
    const verdictKey = OUT.verdict(holder ?? `job:${job.id}`);
    let verdict = await redis.get(verdictKey);
    if (verdict === null) {
      const receipts = await countOrphanReceipts(redis, since, isKnown);
      const judged = receipts >= Math.max(1, group.size) ? "settle" : "resend";
      // The first job of the group to get here judges for all of them.
      if (await redis.set(verdictKey, judged, "EX", 3_600, "NX") === "OK") {
        log.warn("delivery: sends left in doubt by a crash judged", {
          holder,
          in_doubt: group.size,
          orphan_receipts: receipts,
          verdict: judged,
        });
      }
      verdict = (await redis.get(verdictKey)) ?? judged;
    }
    if (verdict === "settle") {
      const waId = await takeOrphanReceipt(redis, since, isKnown, job.id);
      if (waId !== null) {
        log.warn("delivery: in-doubt send settled by a bridge receipt", {
          job: job.id,
          wa_id: waId,
        });
        this.#countInDoubt("settled");
        if (job.kind === "auth_code") {
          await completeJob(redis, job, { marker: waId });
        } else {
          await markSent(redis, job.id, waId);
          await this.#finishReply(job, waId);
        }
        return true;
      }
    }
    log.info("delivery: in-doubt send sent again", { job: job.id, verdict });
    this.#countInDoubt("resent");
    return false;
  }

  /**
   * Sends a crash left in doubt, by outcome: a `resent` one may reach the person twice (the
   * bridge may have had it), so the drills hold every duplicate reply against this count.
   */
  #countInDoubt(outcome: "settled" | "resent"): void {
    this.deps.metrics.inc(
      "zapa_outbound_in_doubt_total",
      "Sends left in doubt by a crash, settled by a receipt or sent again",
      { outcome },
    );
  }

  /**
   * After the send-once marker: writes the WhatsApp id and `sent` (forward only), completes the
   * job, then applies any receipt that arrived before the id was recorded.
   */
  async #finishReply(job: LeasedJob, waId: string): Promise<void> {
    const { sql, redis } = this.deps;
    if (job.kind !== "reply" || job.messageId === null) {
      await completeJob(redis, job);
      return;
    }
    const record = (id: string | null) =>
      sql`
        UPDATE messages SET
          whatsapp_message_id = COALESCE(whatsapp_message_id, ${id}),
          status = CASE WHEN status IN ('queued', 'failed') OR status IS NULL THEN 'sent'
            ELSE status END,
          updated_at = now()
        WHERE id = ${job.messageId}`;
    try {
      await record(waId || null);
    } catch (error) {
      // Another row already holds this WhatsApp id. Retrying could never succeed and would
      // block the recipient's queue for good: record the send without the id.
      if (!isUniqueViolation(error)) throw error;
      log.error("delivery: WhatsApp id already recorded on another row", {
        job: job.id,
        wa_id: waId,
      });
      await record(null);
      await completeJob(redis, job);
      return;
    }
    const parked = await completeJob(redis, job, { recorded: waId });
    if (!waId) return;
    const status = laterStatus(
      parked ? parked.slice(2) as DeliveryStatus : null,
      this.options.parking.takeLocal(waId),
    );
    if (status) await applyStatus(sql, waId, status);
  }

  async #deadLetter(job: LeasedJob, error: string): Promise<void> {
    // Never silent (R-INTAKE-9): the message id and the reason, here and in the admin queue view.
    log.error("delivery: job dead-lettered", {
      job: job.id,
      kind: job.kind,
      message_id: job.messageId,
      to: maskPhone(job.to),
      attempts: job.attempts,
      reason: error,
    });
    this.deps.metrics.inc("zapa_outbound_dead_letters_total", "Outbound jobs dead-lettered");
    if (job.kind === "reply" && job.messageId !== null) {
      await this.deps.sql`
        UPDATE messages SET status = 'failed', updated_at = now()
        WHERE id = ${job.messageId} AND status = 'queued'`;
    }
    await deadLetterJob(this.deps.redis, job, error);
  }
}
