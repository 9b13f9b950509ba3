/**
 * The ingest worker (R-INTAKE-4): leases intake-stream events in order through a consumer
 * group, stores them idempotently in PostgreSQL, then acknowledges them. While PostgreSQL is
 * down events stay in Redis and are retried with backoff; leases of a dead consumer are
 * reclaimed (XAUTOCLAIM) after `leaseMs`; after 3 non-transient failures an event is
 * dead-lettered.
 */
import type { Deps } from "../deps.ts";
import type { Redis } from "../redis.ts";
import { isDependencyError } from "../outage.ts";
import { errorText, log } from "../log.ts";
import { retryDelay } from "./backoff.ts";
import { storeInbound, storeInboundMany } from "./inbound_store.ts";
import { INTAKE_GROUP, INTAKE_STREAM } from "./intake.ts";
import type { StatusParking } from "./statuses.ts";
import type { Wake } from "./wake.ts";
import type { InboundMessage, StatusEvent } from "./webhook_event.ts";
import { claimAllPending, holdIngestLead, releaseIngestLead } from "./ingest_leader.ts";

export const INBOUND_DEAD = "zapa:dead:inbound";
export const INBOUND_FAILURES = "zapa:intake:failures";
const MAX_FAILURES = 3;
const BATCH = 100;

type Entry = [id: string, fields: string[]];
/** done: acknowledge; retry: PostgreSQL unreachable; skip: failed, try again later. */
type Outcome = "done" | "retry" | "skip";

export interface IngestOptions {
  consumer: string;
  blocking: Redis;
  parking: StatusParking;
  /** Told of every message stored as pending. */
  wake: Wake;
}

export class IngestWorker {
  #running = false;
  #loop: Promise<void> | null = null;
  /** Re-read this consumer's own unacknowledged entries before taking new ones. */
  #ownPending = true;
  #pgFailures = 0;
  #leading = false;

  constructor(private deps: Deps, private options: IngestOptions) {}

  /** Whether this instance holds the ingest lease (only the leader reads the stream). */
  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Finishes the batch in hand (bounded), then hands the ingest lease back. */
  async stop(graceMs = 3_000): Promise<void> {
    this.#running = false;
    const finished = await Promise.race([
      this.#loop?.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), graceMs)),
    ]);
    if (finished && this.#leading) {
      await releaseIngestLead(this.deps.redis, this.options.consumer).catch(() => false);
      this.#leading = false;
    }
  }

  /** Entries were claimed for this consumer (XAUTOCLAIM): process them next. */
  markOwnPending(): void {
    this.#ownPending = true;
  }

  async #run(): Promise<void> {
    const { redis } = this.deps;
    const { consumer, blocking } = this.options;
    let redisFailures = 0;
    while (this.#running) {
      try {
        const lead = await holdIngestLead(redis, consumer);
        this.#leading = lead !== "other";
        if (lead === "other") {
          await sleep(200);
          continue;
        }
        if (lead === "taken" && (await claimAllPending(redis, consumer)) > 0) {
          this.#ownPending = true;
        }
        let entries: Entry[] = [];
        if (this.#ownPending) {
          entries = readEntries(
            await redis.xreadgroup(
              "GROUP",
              INTAKE_GROUP,
              consumer,
              "COUNT",
              BATCH,
              "STREAMS",
              INTAKE_STREAM,
              "0",
            ),
          );
          if (entries.length === 0) this.#ownPending = false;
        }
        if (entries.length === 0) {
          entries = readEntries(
            await blocking.xreadgroup(
              "GROUP",
              INTAKE_GROUP,
              consumer,
              "COUNT",
              BATCH,
              "BLOCK",
              1_000,
              "STREAMS",
              INTAKE_STREAM,
              ">",
            ),
          );
        }
        redisFailures = 0;
        if (entries.length > 0) await this.#process(entries);
      } catch (error) {
        if (!this.#running) return;
        if (error instanceof Error && error.message.includes("NOGROUP")) {
          await ensureIntakeGroup(redis).catch(() => {});
          continue;
        }
        redisFailures++;
        log.debug("ingest: redis read failed", { error: errorText(error) });
        await sleep(Math.min(50 * 2 ** redisFailures, 1_000));
      }
    }
  }

  /**
   * Stores a batch: messages concurrently, receipts in one statement. Entries that hit a
   * PostgreSQL outage stay unacknowledged and are read again after a backoff.
   */
  async #process(entries: Entry[]): Promise<void> {
    const outcomes: Promise<[string, Outcome]>[] = [];
    const receipts: [string, StatusEvent][] = [];
    const messages: [string, string[], InboundMessage][] = [];
    for (const [id, fields] of entries) {
      // An entry deleted while still pending has no fields left: nothing to store.
      if (fields.length === 0) {
        outcomes.push(Promise.resolve([id, "done"]));
        continue;
      }
      let event: InboundMessage | StatusEvent;
      try {
        event = parseEntry(fields);
      } catch (error) {
        outcomes.push(this.#failed(id, fields, error).then((o) => [id, o]));
        continue;
      }
      if (event.kind === "status") receipts.push([id, event]);
      else messages.push([id, fields, event]);
    }
    if (messages.length > 0) {
      const stored = this.#storeMessages(messages);
      messages.forEach(([id], i) => outcomes.push(stored.then((o) => [id, o[i]!])));
    }
    if (receipts.length > 0) {
      const stored = this.#storeReceipts(receipts);
      receipts.forEach(([id], i) => outcomes.push(stored.then((o) => [id, o[i]!])));
    }
    const results = await Promise.all(outcomes);
    const done = results.filter(([, o]) => o === "done").map(([id]) => id);
    if (results.some(([, o]) => o !== "done")) this.#ownPending = true;
    if (done.length > 0) {
      // The next read (">") does not depend on this ack, so it is not waited for, unless this
      // consumer's own pending entries are read next (they must not include these again).
      const acked = this.#ack(done);
      if (this.#ownPending) await acked;
      this.deps.metrics.inc("zapa_ingested_total", "Intake events stored", {}, done.length);
    }
    if (this.#pgFailures > 0 && this.#ownPending) {
      await sleep(retryDelay(this.#pgFailures, { baseMs: 100, maxMs: 2_000 }));
    }
  }

  /**
   * Stores a batch's messages with one statement per round: round k holds each sender's k-th
   * message of the batch, so one sender's messages keep stream order and a round never names
   * a sender (or WhatsApp id) twice. A round that fails for another reason than an outage is
   * stored message by message, so a bad message fails on its own.
   */
  async #storeMessages(messages: [string, string[], InboundMessage][]): Promise<Outcome[]> {
    const rounds: number[][] = [];
    const lastRound = new Map<string, number>();
    messages.forEach(([, , m], i) => {
      const r = Math.max(lastRound.get(`f:${m.from}`) ?? -1, lastRound.get(`w:${m.waId}`) ?? -1) +
        1;
      lastRound.set(`f:${m.from}`, r);
      lastRound.set(`w:${m.waId}`, r);
      (rounds[r] ??= []).push(i);
    });
    const outcomes: Outcome[] = messages.map(() => "retry");
    for (const round of rounds) {
      const batch = round.map((i) => messages[i]![2]);
      try {
        const stored = await storeInboundMany(this.deps.sql, this.deps.config, batch);
        this.#pgFailures = 0;
        stored.forEach((row, k) => {
          outcomes[round[k]!] = "done";
          if (row?.pending) this.options.wake.agent(row.userId);
        });
        continue;
      } catch (error) {
        // An outage: this round and the later ones stay in Redis and are read again.
        if (isDependencyError(error)) {
          this.#outage(error);
          return outcomes;
        }
        log.warn("ingest: batch insert failed, storing one by one", {
          messages: round.length,
          error: errorText(error),
        });
      }
      await Promise.all(round.map(async (i) => {
        const [id, fields, message] = messages[i]!;
        outcomes[i] = await this.#guard([id, fields], async () => {
          const row = await storeInbound(this.deps.sql, this.deps.config, message);
          if (row?.pending) this.options.wake.agent(row.userId);
        });
      }));
    }
    return outcomes;
  }

  /**
   * Records a batch's receipts in one statement. A batch that fails for another reason than an
   * outage is recorded receipt by receipt, so a bad one fails (and is dead-lettered) alone
   * instead of taking the others of its batch with it.
   */
  async #storeReceipts(receipts: [string, StatusEvent][]): Promise<Outcome[]> {
    const { parking } = this.options;
    try {
      await parking.recordMany(receipts.map(([, e]) => e));
      this.#pgFailures = 0;
      return receipts.map(() => "done");
    } catch (error) {
      if (isDependencyError(error)) {
        return receipts.map(() => this.#outage(error));
      }
      log.warn("ingest: receipt batch failed, recording one by one", {
        receipts: receipts.length,
        error: errorText(error),
      });
    }
    return await Promise.all(
      receipts.map(([id, e]) =>
        this.#guard([id, ["e", JSON.stringify(e)]], async () => {
          await parking.record(e.waId, e.status);
        })
      ),
    );
  }

  /** PostgreSQL is unreachable: the entries stay in Redis and are read again after a backoff. */
  #outage(error: unknown): "retry" {
    this.#pgFailures++;
    if (this.#pgFailures === 1) {
      log.warn("ingest: postgresql unavailable, keeping events in redis", {
        error: errorText(error),
      });
    }
    return "retry";
  }

  /** Runs a store step: "done", "retry" (PostgreSQL unreachable) or a counted failure. */
  async #guard([id, fields]: Entry, fn: () => Promise<void>): Promise<Outcome> {
    try {
      await fn();
      this.#pgFailures = 0;
      return "done";
    } catch (error) {
      if (isDependencyError(error)) return this.#outage(error);
      return await this.#failed(id, fields, error);
    }
  }

  async #failed(id: string, fields: string[], error: unknown): Promise<Outcome> {
    const { redis } = this.deps;
    const failures = await redis.hincrby(INBOUND_FAILURES, id, 1);
    const event = fieldValue(fields, "e");
    const about = describeEvent(event);
    log.warn("ingest: event failed", { entry: id, ...about, failures, error: errorText(error) });
    this.#ownPending = true;
    if (failures < MAX_FAILURES) return "skip";
    // Never silent (R-INTAKE-9): the operator sees the message id and the reason, here and in the
    // admin queue view.
    const reason = errorText(error);
    log.error("ingest: event dead-lettered", {
      entry: id,
      ...about,
      attempts: failures,
      reason,
    });
    await redis.hset(
      INBOUND_DEAD,
      id,
      JSON.stringify({
        event,
        ...about,
        attempts: failures,
        last_error: reason,
        failed_at: Date.now(),
      }),
    );
    await redis.hdel(INBOUND_FAILURES, id);
    this.deps.metrics.inc("zapa_inbound_dead_letters_total", "Intake events dead-lettered");
    return "done";
  }

  async #ack(ids: string[]): Promise<void> {
    try {
      await this.deps.redis.multi()
        .xack(INTAKE_STREAM, INTAKE_GROUP, ...ids)
        .xdel(INTAKE_STREAM, ...ids)
        .exec();
    } catch (error) {
      // Unacknowledged entries are stored again later: inserts are idempotent.
      log.warn("ingest: ack failed", { error: errorText(error) });
    }
  }
}

/** Creates the consumer group (and stream); entries added before it are read too. */
export async function ensureIntakeGroup(redis: Redis): Promise<void> {
  try {
    await redis.xgroup("CREATE", INTAKE_STREAM, INTAKE_GROUP, "0", "MKSTREAM");
  } catch (error) {
    if (!(error instanceof Error && error.message.includes("BUSYGROUP"))) throw error;
  }
}

/** Claims entries idle for longer than `leaseMs` (their consumer died) for `consumer`. */
export async function reclaimIntake(
  redis: Redis,
  options: { consumer: string; leaseMs: number },
): Promise<number> {
  const result = await redis.xautoclaim(
    INTAKE_STREAM,
    INTAKE_GROUP,
    options.consumer,
    options.leaseMs,
    "0-0",
    "COUNT",
    1_000,
    "JUSTID",
  ) as [string, string[], string[]?];
  return result[1]?.length ?? 0;
}

function readEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = reply[0] as [string, Entry[]];
  // Entries deleted while pending come back with null fields: treat them as empty events.
  return (stream[1] ?? []).map(([id, fields]) => [id, fields ?? []] as Entry);
}

function fieldValue(fields: string[], name: string): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]!;
  return null;
}

/** The kind and WhatsApp id of a stored intake event, for logs and dead letters. */
function describeEvent(raw: string | null): { kind: string; message_id: string | null } {
  try {
    const event = JSON.parse(raw ?? "null") as Partial<InboundMessage | StatusEvent> | null;
    return {
      kind: typeof event?.kind === "string" ? event.kind : "unknown",
      message_id: typeof event?.waId === "string" ? event.waId : null,
    };
  } catch {
    return { kind: "unknown", message_id: null };
  }
}

function parseEntry(fields: string[]): InboundMessage | StatusEvent {
  const raw = fieldValue(fields, "e");
  if (raw === null) throw new Error("intake entry without an event");
  const event = JSON.parse(raw) as InboundMessage | StatusEvent;
  if (event?.kind !== "message" && event?.kind !== "status") {
    throw new Error("intake entry with an unknown event kind");
  }
  return event;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
