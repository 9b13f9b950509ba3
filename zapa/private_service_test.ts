/**
 * The shipped wiring of the private entrypoint, in-process: `assemblePrivate` exactly as
 * `private_main.ts` calls it (workers in their own thread, the real agent) over a real
 * PostgreSQL and Redis and the in-process mock bridge. A webhook goes in; a reply must reach it.
 */
import assert from "node:assert/strict";
import { NOT_CONFIGURED_REPLY } from "./agent/reply.ts";
import { PipelineThread } from "./pipeline/mod.ts";
import { assemblePrivate } from "./private_service.ts";
import {
  eventually,
  postWebhook,
  TestBridge,
  testConfig,
  testDeps,
  testPhone,
  TestPostgres,
  TestRedis,
  zapwMessage,
} from "./testing/mod.ts";

Deno.test("private entrypoint: the shipped assembly migrates, starts its worker thread and answers a webhook through the bridge", async () => {
  // Not migrated: the boot has to do it, as in production.
  const [pg, rd] = await Promise.all([TestPostgres.create({ migrate: false }), TestRedis.create()]);
  const bridge = new TestBridge();
  const deps = await testDeps(testConfig({ database: pg.url, redis: rd.url, bridge: bridge.url }));
  // The thread private_main.ts starts, made here so the test can wait for it to report ready.
  const workers = new PipelineThread(deps.config, deps.metrics);
  const service = assemblePrivate(deps, workers);
  try {
    await service.boot();
    await waitFor(workers.running, 120_000, "the pipeline thread to report its workers started");
    const from = testPhone();
    const res = await postWebhook(
      service.app.fetch,
      zapwMessage({ from, text: "is anyone there?", messageId: `W-${from}` }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
    // No LLM is configured for a new user: the real agent answers with the fixed §6.3 reply.
    const sent = await eventually(() => bridge.sent.find((s) => s.to === from), {
      message: `a reply to ${from} at the bridge`,
      timeoutMs: 20_000,
    });
    assert.equal(sent.text, NOT_CONFIGURED_REPLY);
    // The bridge answers the send before Zapa records the WhatsApp id it returned: wait for it.
    await eventually(async () => {
      const [row] = await deps.sql<{ whatsapp_message_id: string | null }[]>`
        SELECT whatsapp_message_id FROM messages
        WHERE direction = 'outbound' AND content = ${NOT_CONFIGURED_REPLY}`;
      return row?.whatsapp_message_id === sent.messageId;
    }, { message: `the reply's row to carry the bridge's id ${sent.messageId}` });
  } finally {
    await service.stop();
    await deps.sql.end({ timeout: 1 });
    deps.redis.disconnect();
    await bridge.close();
    await rd.destroy();
    await pg.destroy();
  }
});

/** Resolves with `fact`, or fails naming it when it has not happened within `ms`. */
async function waitFor(fact: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
  });
  try {
    await Promise.race([fact, late]);
  } finally {
    clearTimeout(timer);
  }
}
