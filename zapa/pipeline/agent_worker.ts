/**
 * The agent worker (R-ORDER-1, R-ORDER-2, R-INTAKE-5, R-INTAKE-6): pending work lives in PostgreSQL. For each user with
 * pending messages it takes the user's lease (`agent_leases`), answers the oldest pending
 * message by (timestamp, id), and stores the reply and marks the message done in one statement
 * — the unique `reply_to_id` index rejects a second reply. No transaction is open during the
 * LLM call. After commit the reply is enqueued as `reply:{message_id}`.
 */
import type { Deps } from "../deps.ts";
import type { ReplyInput } from "../agent/context.ts";
import { type ReplyResult, UNAVAILABLE_REPLY } from "../agent/reply.ts";
import { isDependencyError } from "../outage.ts";
import { errorText, log } from "../log.ts";
import { phoneDigits } from "../phone.ts";
import { enqueueOutbound } from "./outbound_queue.ts";
import {
  claimNextPending,
  markDoneWithoutReply,
  type PendingMessage,
  releaseLease,
  renewLease,
  storeReplyAndTakeNext,
} from "./agent_store.ts";
import type { Wake } from "./wake.ts";

/** `generateReply` of `zapa/agent/mod.ts`: never throws for LLM failures, throws on DB errors. */
export type GenerateReply = (
  deps: Deps,
  input: { userId: number; messageId: number; preloaded?: ReplyInput },
) => Promise<ReplyResult>;

export interface AgentWorkerOptions {
  owner: string;
  generateReply: GenerateReply;
  /** Told when a reply was committed and enqueued. */
  wake: Wake;
}

const MAX_AGENT_ERRORS = 3;

export class AgentWorker {
  #wanted = new Set<number>();
  #active = new Map<number, Promise<void>>();
  #retryTimers = new Map<number, ReturnType<typeof setTimeout>>();
  #errors = new Map<number, number>();
  #running = false;

  constructor(private deps: Deps, private options: AgentWorkerOptions) {}

  start(): void {
    this.#running = true;
    this.#pump();
  }

  async stop(graceMs = 3_000): Promise<void> {
    this.#running = false;
    for (const t of this.#retryTimers.values()) clearTimeout(t);
    this.#retryTimers.clear();
    await Promise.race([
      Promise.allSettled(this.#active.values()),
      new Promise((r) => setTimeout(r, graceMs)),
    ]);
  }

  /** This user may have pending messages: answer them soon. */
  notify(userId: number): void {
    this.#wanted.add(userId);
    this.#pump();
  }

  /** Users being answered by this process. */
  get activeUsers(): number {
    return this.#active.size;
  }

  #pump(): void {
    if (!this.#running) return;
    const limit = this.deps.config.agent.concurrency;
    for (const userId of this.#wanted) {
      if (this.#active.size >= limit) break;
      if (this.#active.has(userId) || this.#retryTimers.has(userId)) continue;
      this.#wanted.delete(userId);
      const run = this.#serve(userId).finally(() => {
        this.#active.delete(userId);
        this.#pump();
      });
      this.#active.set(userId, run);
    }
  }

  /**
   * Answers the user's pending messages oldest first while holding the lease. Storing a reply
   * also looks up the next pending message and renews (or releases) the lease in the same
   * statement (with the next message's context), so a busy user costs one statement per
   * message and the lease is only claimed when a run starts or was lost.
   */
  async #serve(userId: number): Promise<void> {
    const { deps, options } = this;
    const leaseMs = deps.config.leaseMs;
    let leased = false;
    let next: PendingMessage | null = null;
    let preloaded: ReplyInput | undefined;
    // Each reply's outbox job is enqueued while the next message is being answered; jobs are
    // still enqueued one after the other, in answer order, and the run ends after the last.
    let enqueued: Promise<void> = Promise.resolve();
    try {
      while (this.#running) {
        if (next === null) {
          // The claim also loads the message's context: one statement fewer per run.
          const claimed = await claimNextPending(deps.sql, {
            userId,
            owner: options.owner,
            leaseMs,
            contextLimit: deps.config.agent.contextMessages,
          });
          leased = claimed.leased;
          if (!claimed.message) return;
          next = claimed.message;
          preloaded = claimed.input;
        }
        const m: PendingMessage = next;
        const input = preloaded;
        next = null;
        preloaded = undefined;
        if (!m.userActive) {
          await markDoneWithoutReply(deps.sql, m.id);
          continue;
        }
        const reply = await this.#generate({ userId, messageId: m.id, preloaded: input }, leaseMs);
        const stored = await storeReplyAndTakeNext(deps.sql, {
          inboundId: m.id,
          userId,
          owner: options.owner,
          leaseMs,
          reply,
          senderJid: `${phoneDigits(deps.config.whatsapp.systemNumber)}@s.whatsapp.net`,
          contextLimit: deps.config.agent.contextMessages,
        });
        this.#errors.delete(m.id);
        // No next message: the lease is still ours, and is released (finally) only after this
        // reply's job is enqueued, so the user's next reply, whichever instance writes it, is
        // enqueued after this one. A next one without the lease renewed (it expired and was
        // lost) goes through a full claim again.
        if (stored.next !== null && stored.leased) {
          next = stored.next;
          preloaded = stored.input;
        }
        const replyId = stored.replyId;
        // #enqueue never throws: a failed enqueue is logged there and left to the sweeper.
        if (replyId !== null) enqueued = enqueued.then(() => this.#enqueue(m, replyId, reply));
        if (stored.next === null) return;
      }
    } catch (error) {
      this.#retryLater(userId, error);
    } finally {
      await enqueued;
      if (leased) await releaseLease(deps.sql, { userId, owner: options.owner }).catch(() => {});
    }
  }

  /** After commit: the reply's outbox job (the sweeper enqueues it if Redis is failing). */
  async #enqueue(m: PendingMessage, replyId: number, reply: ReplyResult): Promise<void> {
    const { deps, options } = this;
    deps.metrics.inc("zapa_replies_total", "Replies stored", {
      error_kind: reply.metadata.error_kind ?? "none",
    });
    try {
      await enqueueOutbound(deps.redis, {
        id: `reply:${m.id}`,
        kind: "reply",
        to: m.phoneNumber,
        text: reply.text,
        messageId: replyId,
      });
      options.wake.delivery();
    } catch (error) {
      // The row is durable (status 'queued'); the sweeper enqueues it once Redis is back.
      log.warn("agent: enqueue failed, sweeper will retry", { error: errorText(error) });
    }
  }

  async #generate(
    input: { userId: number; messageId: number; preloaded?: ReplyInput },
    leaseMs: number,
  ): Promise<ReplyResult> {
    const { userId, messageId } = input;
    const heartbeat = setInterval(() => {
      renewLease(this.deps.sql, { userId, owner: this.options.owner, leaseMs }).catch(() => {});
    }, Math.max(100, Math.floor(leaseMs / 3)));
    try {
      return await this.options.generateReply(this.deps, input);
    } catch (error) {
      if (isDependencyError(error)) throw error;
      const count = (this.#errors.get(messageId) ?? 0) + 1;
      this.#errors.set(messageId, count);
      log.error("agent: reply generation failed", {
        message_id: messageId,
        attempt: count,
        error: errorText(error),
      });
      if (count < MAX_AGENT_ERRORS) throw error;
      // A message that breaks the agent repeatedly still gets exactly one answer.
      this.#errors.delete(messageId);
      return {
        // The agent itself keeps failing on this message (never for LLM outages).
        text: UNAVAILABLE_REPLY,
        metadata: {
          provider: null,
          model: null,
          response_time_ms: 0,
          tool_rounds: 0,
          fallback_used: false,
          error_kind: "internal",
        },
      };
    } finally {
      clearInterval(heartbeat);
    }
  }

  #retryLater(userId: number, error: unknown): void {
    log.warn("agent: will retry user", { user_id: userId, error: errorText(error) });
    if (!this.#running) return;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(userId);
      this.notify(userId);
    }, 1_000);
    this.#retryTimers.set(userId, timer);
  }
}
