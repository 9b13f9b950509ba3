/** The shared Redis client on a real Redis: the first connection of a process that just started. */
import assert from "node:assert/strict";
import { createRedis, firstConnection, hasConnected } from "./redis.ts";
import { TestRedis } from "./testing/stores.ts";

Deno.test("redis: firstConnection waits for a Redis that comes up, and gives up at its timeout", async () => {
  const server = await TestRedis.create();
  await server.stop();
  const redis = createRedis(server.url);
  try {
    const started = performance.now();
    await firstConnection(redis, 150);
    assert.ok(performance.now() - started >= 140, "waited for the timeout");
    assert.equal(hasConnected(redis), false);
    const waiting = firstConnection(redis, 10_000);
    await server.start();
    await waiting;
    assert.equal(redis.status, "ready");
    assert.equal(hasConnected(redis), true);
    // Once connected, a later outage does not make it wait again.
    await server.stop();
    const again = performance.now();
    await firstConnection(redis, 5_000);
    assert.ok(performance.now() - again < 100, "no wait after the first connection");
  } finally {
    redis.disconnect();
    await server.destroy();
  }
});
