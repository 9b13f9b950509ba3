/**
 * Wakes the agent of every private instance, not only the one that stored the message: one
 * instance leads ingest (ingest_leader.ts), and if only its agent heard of new messages, a
 * second instance would never answer anyone and replicas would add no agent capacity. Every
 * agent that hears of a user tries that user's lease; one wins, the others move on (contract
 * §4.3.3), so order and "one reply" are untouched.
 */
import type { Deps } from "../deps.ts";
import { createRedis, type Redis } from "../redis.ts";

export const AGENT_WAKE_CHANNEL = "zapa:agent:wake";

export class AgentWake {
  #subscriber: Redis;

  constructor(
    private deps: Pick<Deps, "config" | "redis">,
    private local: (userId: number) => void,
  ) {
    this.#subscriber = createRedis(deps.config.redisUrl, { blocking: true });
    // (Re)subscribe on every connection: Redis may restart empty and forget subscriptions.
    this.#subscriber.on("ready", () => {
      this.#subscriber.subscribe(AGENT_WAKE_CHANNEL).catch(() => {});
    });
    this.#subscriber.on("message", (_channel: string, message: string) => {
      const userId = Number(message);
      if (Number.isSafeInteger(userId)) this.local(userId);
    });
  }

  /** Tells every instance's agent that `userId` has pending work; locally when Redis cannot. */
  announce(userId: number): void {
    this.deps.redis.publish(AGENT_WAKE_CHANNEL, String(userId)).then(
      (listeners) => {
        if (listeners === 0) this.local(userId);
      },
      () => this.local(userId),
    );
  }

  close(): void {
    this.#subscriber.disconnect();
  }
}
