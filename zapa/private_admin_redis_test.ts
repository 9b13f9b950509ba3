/**
 * The private app's two Redis budgets: the webhook's client fails within 200 ms (R-INTAKE-2),
 * the admin API's client (`deps.adminRedis`, what `private_main.ts` builds) waits up to 1 s. A
 * Lua script that keeps Redis busy for 300 ms on each client stands in for a starved box: before
 * the admin API had its own client, a requeue in such a moment answered 503 although Redis
 * carried it out.
 */
import assert from "node:assert/strict";
import { createPrivateApp } from "./private_app.ts";
import { assemblePipeline, idleWorkers } from "./pipeline/mod.ts";
import { issueAdminToken } from "./auth/tokens.ts";
import { createRedis, firstConnection, type Redis } from "./redis.ts";
import { TestBridge, testConfig, testDeps, TestPostgres, TestRedis } from "./testing/mod.ts";

/** Runs a script that holds Redis's only thread for `ms`; resolves when it ends. */
function holdRedis(redis: Redis, ms: number): Promise<unknown> {
  return redis.eval(
    `local function now() local t = redis.call('TIME') return t[1] * 1000 + t[2] / 1000 end
     local stop = now() + tonumber(ARGV[1])
     while now() < stop do end
     return 1`,
    0,
    ms,
  );
}

Deno.test("private app: the admin API waits out a Redis that is busy for 300–600 ms instead of answering 503", async () => {
  const [pg, rd] = await Promise.all([TestPostgres.create(), TestRedis.create()]);
  const bridge = new TestBridge();
  const deps = await testDeps(testConfig({ database: pg.url, redis: rd.url, bridge: bridge.url }));
  const intakeRedis = createRedis(rd.url); // the webhook's budget, as shipped: 200 ms
  const adminRedis = createRedis(rd.url, { commandTimeoutMs: 1_000 }); // as private_main.ts
  try {
    await Promise.all([intakeRedis, adminRedis].map((c) => firstConnection(c, 5_000)));
    const app = createPrivateApp(
      { ...deps, redis: intakeRedis, adminRedis },
      assemblePipeline(deps, idleWorkers()),
    );
    const token = await issueAdminToken(deps.config.adminJwtSecret, "admin");
    // Redis runs one connection's commands in order: a script sent first on each client the app
    // could use puts whatever the requeue sends there behind at least 300 ms (at most 600 ms,
    // both scripts) of held Redis, whenever the request runs. The 200 ms client's own script
    // times out on the client side; Redis still runs it.
    const held = [intakeRedis, adminRedis].map((c) => holdRedis(c, 300).catch((e) => e));
    const res = await app.request("/api/v1/admin/queue/requeue-failed", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.text();
    await Promise.all(held); // Redis is free again before anything is judged or closed
    assert.equal(res.status, 200, `the requeue waited for Redis: ${body}`);
    assert.deepEqual(JSON.parse(body), { requeued: 0 });
  } finally {
    for (const client of [intakeRedis, adminRedis]) client.disconnect();
    await deps.sql.end({ timeout: 1 });
    deps.redis.disconnect();
    await bridge.close();
    await rd.destroy();
    await pg.destroy();
  }
});
