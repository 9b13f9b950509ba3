/**
 * Entry of the pipeline worker thread (see `thread.ts`): builds its own pools from the settings
 * the main thread sends and runs ingest, agent, delivery and the sweeper until told to stop.
 */
/// <reference lib="deno.worker" />
import type { Config } from "../config.ts";
import { createSql } from "../db/mod.ts";
import { createRedis } from "../redis.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { configureLog, errorText, log } from "../log.ts";
import type { Deps } from "../deps.ts";
import { generateReply } from "../agent/mod.ts";
import { PipelineWorkers } from "./mod.ts";
import type { FromWorker, MetricOp, ToWorker } from "./thread.ts";

configureLog({ service: "zapa-private" });

/** Buffers metric updates and ships them to the main thread's registry. */
class ForwardingMetrics extends MetricsRegistry {
  ops: MetricOp[] = [];
  override inc(name: string, help: string, labels: Record<string, string | number> = {}, by = 1) {
    this.ops.push({ op: "inc", name, help, labels, by });
  }
  override set(name: string, help: string, labels: Record<string, string | number>, value: number) {
    this.ops.push({ op: "set", name, help, labels, value });
  }
  override observe(
    name: string,
    help: string,
    labels: Record<string, string | number>,
    seconds: number,
  ) {
    this.ops.push({ op: "observe", name, help, labels, seconds });
  }
}

function send(message: FromWorker): void {
  self.postMessage(message);
}

let workers: PipelineWorkers | null = null;
let deps: Deps | null = null;
const metrics = new ForwardingMetrics();
const flush = setInterval(() => {
  const ops = metrics.ops;
  metrics.ops = [];
  send({ type: "metrics", ops, activity: workers?.activity() ?? { agent: 0, delivery: 0 } });
}, 250);

async function start(config: Config): Promise<void> {
  deps = {
    config,
    sql: createSql(config.databaseUrl, { max: 16, applicationName: "zapa-private-workers" }),
    // Workers need no fail-fast: a loaded Redis may answer slowly without being down.
    redis: createRedis(config.redisUrl, { commandTimeoutMs: 1_000, autoPipelining: true }),
    keyring: await createKeyring(config.encryptionKey, config.encryptionKeysOld),
    metrics,
  };
  const owner = `${Deno.hostname()}:${config.privatePort}`;
  workers = new PipelineWorkers(deps, { owner, generateReply });
  await workers.start();
  send({ type: "started" });
}

async function stop(): Promise<void> {
  clearInterval(flush);
  await workers?.stop().catch(() => {});
  await deps?.sql.end({ timeout: 2 }).catch(() => {});
  deps?.redis.disconnect();
  send({ type: "stopped" });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      start(message.config).catch((error) => {
        log.error("pipeline workers failed to start", { error: errorText(error) });
        send({ type: "fatal", error: errorText(error) });
      });
      break;
    case "pending":
      workers?.wake.agent(message.userId);
      break;
    case "kick":
      workers?.wake.delivery();
      break;
    case "claimed":
      workers?.wake.ingest();
      break;
    case "stop":
      void stop();
      break;
  }
};
