/**
 * Test support for tests that run the pipeline: the test profile's settings and `Deps` over the
 * ephemeral PostgreSQL 15 and Redis of `stores.ts` (stoppable and restartable on the same
 * port), the mock bridge in-process, zapw envelopes as Zapa receives them, and a local echo
 * agent.
 */
import assert from "node:assert/strict";
import { createSql, type Sql } from "../db/mod.ts";
import { createRedis, type Redis } from "../redis.ts";
import { type Config, loadConfig } from "../config.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { Deps } from "../deps.ts";

import { createApp } from "../http/app.ts";
import { assemblePipeline, type Pipeline, PipelineWorkers } from "../pipeline/mod.ts";
import { TestPostgres, TestRedis } from "./stores.ts";
import { eventually } from "./eventually.ts";
import { type RunningBridge, startBridge } from "../../mock_bridge/server.ts";
import type { BridgeState } from "../../mock_bridge/state.ts";
import type { Faults } from "../../mock_bridge/faults.ts";
import { testConfig as bridgeConfig } from "../../mock_bridge/testing.ts";
import { messageReceived } from "../../mock_bridge/envelopes.ts";

/** The test profile of R-CONFIG-4 pointed at the given stores and bridge. */
export function testConfig(
  urls: { database: string; redis: string; bridge: string },
  extra: Record<string, string> = {},
): Config {
  return loadConfig({
    ZAPA_ENV: "test",
    DATABASE_URL: urls.database,
    REDIS_URL: urls.redis,
    WHATSAPP_API_URL: urls.bridge,
    WHATSAPP_API_KEY: "bridge-key",
    WHATSAPP_SYSTEM_NUMBER: "+1234567890",
    WEBHOOK_SECRET: "hook-secret",
    ZAPA_JWT_SECRET: "j".repeat(40),
    ZAPA_ADMIN_JWT_SECRET: "a".repeat(40),
    ZAPA_ENCRYPTION_KEY: btoa("k".repeat(32)),
    ZAPA_AUTH_TEST_CODE: "123456",
    OUTBOUND_RETRY_MAX_MS: "2000",
    OUTBOUND_RETRY_BASE_MS: "50",
    LLM_RETRY_BASE_MS: "100",
    RECOVERY_INTERVAL_MS: "300",
    LEASE_MS: "2000",
    ...extra,
  });
}

export async function testDeps(config: Config): Promise<Deps & { sql: Sql; redis: Redis }> {
  // Generous: these tests stop Redis (refused at once), they never hang it, and on a starved
  // box (load 10 on 2 cores) a 500 ms budget timed out a healthy command in hostile_input_test.
  const redis = createRedis(config.redisUrl, { commandTimeoutMs: 2_000 });
  const deadline = Date.now() + 5_000;
  while (redis.status !== "ready" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    config,
    sql: createSql(config.databaseUrl, { max: 10, applicationName: "zapa-pipeline-test" }),
    redis,
    keyring: await createKeyring(config.encryptionKey, []),
    metrics: new MetricsRegistry(),
  };
}

export interface SentRecord {
  to: string;
  text: string;
  messageId: string;
  at: number;
}

/**
 * The mock bridge in this process, as Zapa's bridge: the same zapw double the suites run against
 * (real HTTP, the bridge key checked, sends validated and journaled), not a second one. `sent`
 * lists the sends it accepted; `failSends` switches its send faults.
 */
export class TestBridge {
  readonly #bridge: RunningBridge = startBridge(bridgeConfig({ apiKey: "bridge-key" }), {
    announce: false,
  });

  get url(): string {
    return this.#bridge.apiUrl;
  }

  get sent(): SentRecord[] {
    return this.#bridge.state.sent.since(0, (r) => !r.rejected)
      .map((r) => ({ to: r.to, text: r.text ?? "", messageId: r.message_id!, at: r.at }));
  }

  /** The bridge's sessions (the default one, `main`, is connected from the start). */
  get sessions(): BridgeState["sessions"] {
    return this.#bridge.state.sessions;
  }

  /** Switches the bridge's faults, as `POST /__mock/faults` does (e.g. `{ offline: true }`). */
  async faults(patch: Partial<Faults>): Promise<void> {
    const set = await this.#bridge.state.patchFaults(patch);
    if (!set.ok) throw new Error(set.error);
  }

  /** Sends fail with `status`: the next `times` of them, or every one until `failSends(null)`. */
  async failSends(status: number | null, times?: number): Promise<void> {
    await this.faults({ send_status: status, send_fail_times: times ?? null });
  }

  async close(): Promise<void> {
    await this.#bridge.close();
  }
}

/** A zapw `message.received` envelope, built by the mock bridge's own builder. */
export function zapwMessage(
  options: { from: string; text?: string; messageId: string; to?: string; timestamp?: number },
): Record<string, unknown> {
  return {
    ...messageReceived({
      sessionId: "main",
      origin: "1234567890",
      from: options.from,
      to: options.to ?? "1234567890:12@s.whatsapp.net",
      messageId: options.messageId,
      text: options.text ?? "hello",
      timestamp: options.timestamp,
    }),
  };
}

/** A local stand-in for `zapa/agent`: replies `echo: <content>` (tests only). */
export const echoReply = async (
  d: Pick<Deps, "sql">,
  input: { userId: number; messageId: number },
) => {
  const [row] = await d.sql<{ content: string | null }[]>`
    SELECT content FROM messages WHERE id = ${input.messageId}`;
  return {
    text: `echo: ${row?.content ?? ""}`,
    metadata: {
      provider: "echo",
      model: "echo-1",
      response_time_ms: 0,
      tool_rounds: 0,
      fallback_used: false,
      error_kind: null,
    },
  };
};

/** Posts a webhook body to an app's fetch with the test secret. */
export async function postWebhook(
  fetchApp: (req: Request) => Response | Promise<Response>,
  body: unknown,
): Promise<Response> {
  return await fetchApp(
    new Request("http://zapa/api/v1/webhooks/whatsapp?secret=hook-secret", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

let phoneSeq = 0;

/** A fresh E.164 number per call. */
export function testPhone(): string {
  phoneSeq = (phoneSeq + 1) % 1000;
  return `+1555${String(Date.now() % 10_000).padStart(4, "0")}${String(phoneSeq).padStart(3, "0")}`;
}

/** What `startEchoPipeline` gives a test. */
export interface EchoPipeline {
  pg: TestPostgres;
  rd: TestRedis;
  bridge: TestBridge;
  deps: Deps & { sql: Sql; redis: Redis };
  pipeline: Pipeline;
  /** Posts a webhook body to the pipeline's route, mounted as the private app mounts it. */
  post(body: unknown): Promise<Response>;
  /** Stops the workers and removes the stores. */
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL and Redis, the mock bridge, and the pipeline as `assemblePipeline` builds it
 * for production, its workers in this thread with the echo agent, started.
 */
export async function startEchoPipeline(owner: string): Promise<EchoPipeline> {
  const [pg, rd] = await Promise.all([TestPostgres.create(), TestRedis.create()]);
  const bridge = new TestBridge();
  const deps = await testDeps(testConfig({ database: pg.url, redis: rd.url, bridge: bridge.url }));
  const pipeline = assemblePipeline(
    deps,
    new PipelineWorkers(deps, { owner, generateReply: echoReply }),
  );
  const app = createApp({ service: "zapa-private", metrics: deps.metrics });
  app.route("/", pipeline.webhook);
  await pipeline.workers.start();
  return {
    pg,
    rd,
    bridge,
    deps,
    pipeline,
    post: (body) => postWebhook(app.fetch, body),
    async stop() {
      await pipeline.workers.stop();
      await deps.sql.end({ timeout: 1 });
      deps.redis.disconnect();
      await bridge.close();
      await rd.destroy();
      await pg.destroy();
    },
  };
}

/**
 * This test file's echo pipeline: started before its first test and stopped after its last, so
 * the file's tests share one set of stores. Its fields are filled in by `beforeAll`.
 */
export function echoPipelinePerFile(owner: string): EchoPipeline {
  const env = {} as EchoPipeline;
  Deno.test.beforeAll(async () => {
    Object.assign(env, await startEchoPipeline(owner));
  });
  Deno.test.afterAll(async () => {
    await env.stop?.();
  });
  return env;
}

/** What the bridge double sent to `phone`. */
export function sentTo(env: EchoPipeline, phone: string): SentRecord[] {
  return env.bridge.sent.filter((s) => s.to === phone);
}

/** Waits until every phone got exactly one reply, and stays so for a moment. */
export async function exactlyOneReplyEach(
  env: EchoPipeline,
  phones: string[],
  timeoutMs = 20_000,
): Promise<void> {
  await eventually(() => phones.every((p) => sentTo(env, p).length >= 1), {
    timeoutMs,
    message: `a reply for each of ${phones.length} phones`,
    onTimeout: () => `answered: ${phones.filter((p) => sentTo(env, p).length).length}`,
  });
  await new Promise((r) => setTimeout(r, 500));
  for (const p of phones) assert.equal(sentTo(env, p).length, 1, `replies to ${p}`);
}

/** One message from each of `n` new phones, posted one after another: the phones, the statuses. */
export async function sendFromNewPhones(
  env: EchoPipeline,
  n: number,
  label: string,
): Promise<{ phones: string[]; statuses: number[] }> {
  const phones = Array.from({ length: n }, () => testPhone());
  const statuses: number[] = [];
  for (const [i, from] of phones.entries()) {
    const res = await env.post(
      zapwMessage({ from, text: `${label} ${i}`, messageId: `${label}-${from}` }),
    );
    statuses.push(res.status);
    await res.body?.cancel();
  }
  return { phones, statuses };
}
