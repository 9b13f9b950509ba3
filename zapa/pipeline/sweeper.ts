/**
 * The recovery sweeper (R-INTAKE-7), every `RECOVERY_INTERVAL_MS`: PostgreSQL rows are the
 * recovery source, so pending inbound messages go back to the agent and queued replies back to
 * the outbound queue (enqueue is NX: live jobs are untouched). It also reclaims expired leases
 * and probes the bridge, draining the queue when the bridge comes back.
 */
import type { Deps } from "../deps.ts";
import { errorText, log } from "../log.ts";
import { probeBridge } from "./bridge_client.ts";
import { ensureIntakeGroup, reclaimIntake } from "./ingest.ts";
import { enqueueOutbound } from "./outbound_queue.ts";
import { drainOutbound, reclaimLeases } from "./outbound_store.ts";
import type { Wake } from "./wake.ts";

export interface BridgeState {
  up: boolean | null;
  session: string | null;
  error: string | null;
  checkedAt: number;
}

export interface SweeperHooks {
  owner: string;
  wake: Wake;
  /** Whether this instance is the ingest leader: only the leader claims stale intake entries. */
  ingestLeading?: () => boolean;
}

const BATCH = 1_000;

export class Sweeper {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  bridge: BridgeState = { up: null, session: null, error: null, checkedAt: 0 };

  constructor(private deps: Deps, private hooks: SweeperHooks) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.sweep().finally(() => {
        this.#running = null;
        this.#schedule(this.deps.config.recoveryIntervalMs);
      });
    }, ms);
  }

  /** One pass; each step fails on its own so one outage does not block the others. */
  async sweep(): Promise<void> {
    await Promise.all([
      this.#step("pending inbound", () => this.#pendingInbound()),
      this.#step("queued outbound", () => this.#queuedOutbound()),
      this.#step("leases", () => this.#leases()),
      this.#step("bridge probe", () => this.#probe()),
    ]);
  }

  async #step(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      log.debug(`sweeper: ${name} skipped`, { error: errorText(error) });
    }
  }

  async #pendingInbound(): Promise<void> {
    const rows = await this.deps.sql<{ user_id: number }[]>`
      SELECT DISTINCT m.user_id FROM messages m
      WHERE m.agent_status = 'pending'
        AND NOT EXISTS (SELECT 1 FROM agent_leases l
          WHERE l.user_id = m.user_id AND l.expires_at > now())
      LIMIT ${BATCH}`;
    for (const r of rows) this.hooks.wake.agent(r.user_id);
  }

  async #queuedOutbound(): Promise<void> {
    const rows = await this.deps.sql<
      { id: number; reply_to_id: number | null; content: string | null; phone_number: string }[]
    >`
      SELECT m.id, m.reply_to_id, m.content, u.phone_number
      FROM messages m JOIN users u ON u.id = m.user_id
      WHERE m.status = 'queued' AND m.direction = 'outbound'
      ORDER BY m.created_at, m.id
      LIMIT ${BATCH}`;
    let added = 0;
    // Concurrent calls share the connection's pipeline: one round trip per chunk, not per row.
    for (let i = 0; i < rows.length; i += 100) {
      const results = await Promise.all(
        rows.slice(i, i + 100).map((r) =>
          enqueueOutbound(this.deps.redis, {
            id: `reply:${r.reply_to_id ?? `row${r.id}`}`,
            kind: "reply",
            to: r.phone_number,
            text: r.content ?? "",
            messageId: r.id,
          })
        ),
      );
      added += results.filter(Boolean).length;
    }
    if (added > 0) {
      log.info("sweeper: re-enqueued queued replies", { count: added });
      this.hooks.wake.delivery();
    }
  }

  async #leases(): Promise<void> {
    const { redis, config } = this.deps;
    let claimed = 0;
    try {
      // A follower does not read the stream: entries it claimed would wait for it to lead.
      if (this.hooks.ingestLeading?.() ?? true) {
        claimed = await reclaimIntake(redis, {
          consumer: this.hooks.owner,
          leaseMs: config.leaseMs,
        });
      }
    } catch (error) {
      // Redis came back empty: recreate the stream's consumer group.
      if (!(error instanceof Error && error.message.includes("NOGROUP"))) throw error;
      await ensureIntakeGroup(redis);
    }
    if (claimed > 0) this.hooks.wake.ingest();
    const released = await reclaimLeases(redis);
    if (released > 0) this.hooks.wake.delivery();
  }

  async #probe(): Promise<void> {
    const wasUp = this.bridge.up;
    try {
      const { session } = await probeBridge(this.deps.config);
      this.bridge = { up: true, session, error: null, checkedAt: Date.now() };
    } catch (error) {
      this.bridge = { up: false, session: null, error: errorText(error), checkedAt: Date.now() };
      return;
    }
    if (wasUp === false) {
      const drained = await drainOutbound(this.deps.redis);
      log.info("sweeper: bridge is back, outbound queue drained", { drained });
      this.hooks.wake.delivery();
    }
  }
}
