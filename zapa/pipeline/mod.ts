/**
 * The private pipeline assembled (contract §4.2–4.4): webhook intake → ingest → agent →
 * outbound delivery, plus the recovery sweeper. Workers wake each other in-process (no polling
 * on the hot path); blocking Redis reads and the sweeper cover other instances and crashes.
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
import { webhookRoutes } from "./webhook.ts";
import { BridgeUnavailable, probeBridge } from "./bridge_client.ts";

export type { GenerateReply, ReplyResult } from "./agent_worker.ts";
export { enqueueOutbound } from "./outbound_queue.ts";

export interface PipelineOptions {
  /** Stable per instance (host:port), so a restarted instance takes its own leases back. */
  owner: string;
  generateReply: GenerateReply;
}

export class Pipeline {
  readonly webhook: OpenAPIHono;
  readonly parking: StatusParking;
  readonly agent: AgentWorker;
  readonly delivery: DeliveryWorker;
  readonly ingest: IngestWorker;
  readonly sweeper: Sweeper;
  #blocking: Redis[];
  #started = false;

  constructor(private deps: Deps, options: PipelineOptions) {
    const { owner } = options;
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
      onReplyQueued: () => this.delivery.kick(),
    });
    const onPending = (userId: number) => this.agent.notify(userId);
    this.ingest = new IngestWorker(deps, {
      consumer: owner,
      blocking: ingestRedis,
      parking: this.parking,
      onPending,
    });
    this.sweeper = new Sweeper(deps, {
      owner,
      notifyAgent: onPending,
      kickDelivery: () => this.delivery.kick(),
      markIngestPending: () => this.ingest.markOwnPending(),
    });
    this.webhook = webhookRoutes(deps.config, {
      intake: (event) => intake(deps, event, { parking: this.parking, onPending }),
      session: (event) => {
        handleSessionEvent(deps, event, () => this.delivery.kick()).catch((error) =>
          log.warn("session event failed", { error: errorText(error) })
        );
      },
    });
    this.#owner = owner;
  }

  #owner: string;

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
    log.info("pipeline started", { owner: this.#owner });
  }

  async stop(): Promise<void> {
    await this.sweeper.stop();
    await Promise.all([this.ingest.stop(), this.agent.stop(), this.delivery.stop()]);
    for (const r of this.#blocking) r.disconnect();
  }

  /** Bridge figures for `/system/health`: throws only when the bridge is unreachable. */
  async bridgeHealth(): Promise<{ session: string }> {
    return await probeBridge(this.deps.config);
  }

  /** `/ready`: the bridge answers and the configured session is connected. */
  async bridgeReady(): Promise<{ session: string }> {
    const state = await probeBridge(this.deps.config);
    if (state.session !== "connected") {
      throw new BridgeUnavailable(
        `session ${this.deps.config.whatsapp.sessionId} is ${state.session}`,
      );
    }
    return state;
  }
}
