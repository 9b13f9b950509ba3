/**
 * The private pipeline assembled (R-WEBHOOK-*, R-INTAKE-*, R-DELIVERY-*): webhook intake → ingest → agent →
 * outbound delivery, plus the recovery sweeper. Workers wake each other in-process (no polling
 * on the hot path); blocking Redis reads and the sweeper cover other instances and crashes.
 *
 * `assemblePipeline` is the one assembly, used by the entrypoint and the tests alike: the
 * webhook route, wired to a set of `Workers` through their `Wake`. The entrypoint passes a
 * `PipelineThread` (`thread.ts`: the workers in a worker thread, so the webhook's event loop
 * stays free for fast acknowledgements); tests pass `PipelineWorkers` (same thread).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import { createRedis, type Redis } from "../redis.ts";
import { errorText, log } from "../log.ts";
import { AgentWorker, type GenerateReply } from "./agent_worker.ts";
import { releaseOwnLeases } from "./agent_store.ts";
import { DeliveryWorker } from "./delivery.ts";
import { ensureIntakeGroup, IngestWorker } from "./ingest.ts";
import { intake } from "./intake.ts";
import { reclaimLeases } from "./outbound_store.ts";
import { handleSessionEvent } from "./session_events.ts";
import { StatusParking } from "./statuses.ts";
import { Sweeper } from "./sweeper.ts";
import { AgentWake } from "./agent_wake.ts";
import { NO_WAKE, type Wake } from "./wake.ts";
import { webhookRoutes } from "./webhook.ts";
import { BridgeUnavailable, probeBridge } from "./bridge_client.ts";

export type { GenerateReply } from "./agent_worker.ts";
export type { ReplyResult } from "../agent/reply.ts";
export { NO_WAKE, type Wake } from "./wake.ts";
export { PipelineThread } from "./thread.ts";
export { enqueueOutbound } from "./outbound_queue.ts";
export * from "./queue_admin.ts";

export interface PipelineOptions {
  /** Stable per instance (host:port), so a restarted instance takes its own leases back. */
  owner: string;
  generateReply: GenerateReply;
}

/** What the HTTP side needs from the pipeline, wherever its workers run. */
export interface PipelineHandle {
  readonly webhook: OpenAPIHono;
  /** Users being answered and sends in flight (for metrics). */
  activity(): { agent: number; delivery: number };
}

/** The background workers, in this thread (`PipelineWorkers`) or another (`PipelineThread`). */
export interface Workers {
  /** Wakes these workers; the webhook's intake and session events use it. */
  readonly wake: Wake;
  /** Starts the workers (call once the schema is migrated). */
  start(): void | Promise<void>;
  stop(): Promise<void>;
  activity(): { agent: number; delivery: number };
}

/** The pipeline as an entrypoint runs it: the webhook wired to its workers. */
export interface Pipeline extends PipelineHandle {
  readonly workers: Workers;
}

/** Workers that never run: the webhook's wake-ups go to `wake` alone (route tests). */
export function idleWorkers(wake: Wake = NO_WAKE): Workers {
  return {
    wake,
    start() {},
    stop: () => Promise.resolve(),
    activity: () => ({ agent: 0, delivery: 0 }),
  };
}

/**
 * The one assembly of the pipeline. `schemaReady` resolves once migrations ran: a session
 * event that arrives earlier waits for it.
 */
export function assemblePipeline(
  deps: Deps,
  workers: Workers,
  options: { schemaReady?: Promise<void> } = {},
): Pipeline {
  const webhook = createWebhook(deps, {
    parking: new StatusParking(deps),
    wake: workers.wake,
    schemaReady: options.schemaReady,
  });
  return { webhook, workers, activity: () => workers.activity() };
}

export class PipelineWorkers implements Workers {
  readonly parking: StatusParking;
  readonly agent: AgentWorker;
  readonly delivery: DeliveryWorker;
  readonly ingest: IngestWorker;
  readonly sweeper: Sweeper;
  /** Wakes the workers of this thread directly. */
  readonly wake: Wake = {
    agent: (userId) => this.agent.notify(userId),
    delivery: () => this.delivery.kick(),
    ingest: () => this.ingest.markOwnPending(),
  };
  #blocking: Redis[];
  #wake: AgentWake;
  #started = false;
  #owner: string;

  constructor(private deps: Deps, options: PipelineOptions) {
    const { owner } = options;
    this.#owner = owner;
    const ingestRedis = createRedis(deps.config.redisUrl, { blocking: true });
    const wakeRedis = createRedis(deps.config.redisUrl, { blocking: true });
    this.#blocking = [ingestRedis, wakeRedis];
    this.parking = new StatusParking(deps);
    this.delivery = new DeliveryWorker(deps, {
      owner,
      blocking: wakeRedis,
      parking: this.parking,
    });
    this.agent = new AgentWorker(deps, {
      owner,
      generateReply: options.generateReply,
      wake: this.wake,
    });
    this.#wake = new AgentWake(deps, (userId) => this.agent.notify(userId));
    this.ingest = new IngestWorker(deps, {
      consumer: owner,
      blocking: ingestRedis,
      parking: this.parking,
      // Only the ingest leader stores messages; every instance's agent hears of them.
      wake: { ...this.wake, agent: (userId) => this.#wake.announce(userId) },
    });
    this.sweeper = new Sweeper(deps, {
      owner,
      wake: this.wake,
      ingestLeading: () => this.ingest.leading,
    });
  }

  /** Starts the workers (call once the schema is migrated). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { sql, redis } = this.deps;
    // A restarted instance takes its own leases back at once instead of waiting them out.
    await releaseOwnLeases(sql, this.#owner).catch(() => {});
    await ensureIntakeGroup(redis).catch(() => {});
    await reclaimLeases(redis, this.#owner).catch(() => {});
    this.ingest.start();
    this.agent.start();
    this.delivery.start();
    this.sweeper.start();
    log.info("pipeline workers started", { owner: this.#owner });
  }

  /**
   * Stops the workers (each finishes what it holds, bounded), then hands back this instance's
   * agent and recipient leases so another instance takes them at once instead of after the
   * lease time. Leases are kept when work is still running after the grace period: handing
   * them back then could let a second instance answer or send the same thing.
   */
  async stop(): Promise<void> {
    await this.sweeper.stop();
    await Promise.all([this.ingest.stop(), this.agent.stop(), this.delivery.stop()]);
    for (const r of this.#blocking) r.disconnect();
    this.#wake.close();
    const { agent, delivery } = this.activity();
    if (agent > 0 || delivery > 0) {
      log.warn("workers still busy at stop; leases left to expire", { agent, delivery });
      return;
    }
    const { sql, redis } = this.deps;
    const [agentLeases, recipientLeases] = await Promise.all([
      releaseOwnLeases(sql, this.#owner).catch(() => 0),
      reclaimLeases(redis, this.#owner).catch(() => 0),
    ]);
    log.info("leases handed back", { agent: agentLeases, recipients: recipientLeases });
  }

  activity(): { agent: number; delivery: number } {
    return { agent: this.agent.activeUsers, delivery: this.delivery.inFlight };
  }
}

/** The webhook route wired to intake and session events; both wake the workers. */
function createWebhook(
  deps: Deps,
  hooks: { parking: StatusParking; wake: Wake; schemaReady?: Promise<void> },
): OpenAPIHono {
  // One chain per bridge session: a quick connected → disconnected pair is mirrored in the
  // order the bridge sent it, never the other way round.
  const chains = new Map<string, Promise<void>>();
  return webhookRoutes(deps.config, {
    intake: (event) => intake(deps, event, hooks),
    session: (event) => {
      const key = event.sessionId ?? deps.config.whatsapp.sessionId;
      const previous = chains.get(key) ?? hooks.schemaReady ?? Promise.resolve();
      const next = previous
        .then(() => handleSessionEvent(deps, event, hooks.wake))
        .catch((error) => log.warn("session event failed", { error: errorText(error) }));
      chains.set(key, next);
      next.finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    },
  });
}

/** Bridge figures for `/system/health`: throws only when the bridge is unreachable. */
export async function bridgeHealth(deps: Pick<Deps, "config">): Promise<{ session: string }> {
  return await probeBridge(deps.config);
}

/** `/ready`: the bridge answers and the configured session is connected. */
export async function bridgeReady(deps: Pick<Deps, "config">): Promise<{ session: string }> {
  const state = await probeBridge(deps.config);
  if (state.session !== "connected") {
    throw new BridgeUnavailable(
      `session ${deps.config.whatsapp.sessionId} is ${state.session}`,
    );
  }
  return state;
}
