/**
 * Test support for tests that run the pipeline: the test profile's settings and `Deps` over the
 * ephemeral PostgreSQL 15 and Redis of `stores.ts` (stoppable and restartable on the same
 * port), a fake bridge that records sends, zapw envelopes as Zapa receives them, and a local
 * echo agent.
 */
import { createSql, type Sql } from "../db/mod.ts";
import { createRedis, type Redis } from "../redis.ts";
import { type Config, loadConfig } from "../config.ts";
import { createKeyring } from "../crypto/api_keys.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import type { Deps } from "../deps.ts";

import { createApp } from "../http/app.ts";
import { assemblePipeline, type Pipeline, PipelineWorkers } from "../pipeline/mod.ts";
import { TestPostgres, TestRedis } from "./stores.ts";

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
  const redis = createRedis(config.redisUrl, { commandTimeoutMs: 500 });
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
 * A bridge double: `POST /sessions/main/messages` records the send and answers like zapw;
 * `failNext` queues status codes to fail the next sends with; `offline` refuses with 503.
 */
export class FakeBridge {
  sent: SentRecord[] = [];
  failNext: number[] = [];
  status = 200;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #counter = 0;

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    if (req.method === "GET" && url.pathname.startsWith("/sessions/")) {
      return Response.json({ status: "success", data: { id: "main", status: "connected" } });
    }
    if (req.method === "POST" && url.pathname === "/sessions/main/messages") {
      const body = await req.json();
      const fail = this.failNext.shift() ?? (this.status !== 200 ? this.status : null);
      if (fail !== null) {
        return Response.json({ status: "error", error: `failure ${fail}` }, { status: fail });
      }
      const messageId = `BAE5${++this.#counter}`;
      this.sent.push({ to: body.to, text: body.text, messageId, at: Date.now() });
      return Response.json({
        status: "success",
        data: { messageId, timestamp: Date.now(), status: "sent" },
      });
    }
    await req.body?.cancel();
    return Response.json({ status: "error", error: "not found" }, { status: 404 });
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}

/** A zapw `message.received` envelope. */
export function zapwMessage(
  options: { from: string; text?: string; messageId: string; to?: string; timestamp?: number },
): Record<string, unknown> {
  return {
    sessionId: "main",
    origin: "1234567890",
    eventType: "message.received",
    timestamp: Date.now(),
    data: {
      from: `${options.from.replace("+", "")}@s.whatsapp.net`,
      to: options.to ?? "1234567890:12@s.whatsapp.net",
      messageId: options.messageId,
      timestamp: options.timestamp ?? Date.now(),
      isGroup: false,
      type: "text",
      text: options.text ?? "hello",
    },
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
  bridge: FakeBridge;
  deps: Deps & { sql: Sql; redis: Redis };
  pipeline: Pipeline;
  /** An app with the pipeline's webhook route, as the private app mounts it. */
  fetch: (req: Request) => Response | Promise<Response>;
  /** Stops the workers and removes the stores. */
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL and Redis, a fake bridge, and the pipeline as `assemblePipeline` builds it
 * for production, its workers in this thread with the echo agent, started.
 */
export async function startEchoPipeline(owner: string): Promise<EchoPipeline> {
  const [pg, rd] = await Promise.all([TestPostgres.create(), TestRedis.create()]);
  const bridge = new FakeBridge();
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
    fetch: app.fetch,
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
