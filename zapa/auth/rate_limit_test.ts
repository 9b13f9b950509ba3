import assert from "node:assert/strict";
import { startRedis, type TestRedis } from "../public/testing.ts";
import { createRedis } from "../redis.ts";
import { DependencyUnavailable } from "../http/errors.ts";
import { codeRequestLimits, consumeRateLimits, type RateLimit } from "./rate_limit.ts";

let r: TestRedis | undefined;

Deno.test.beforeAll(async () => {
  r = await startRedis();
});
Deno.test.afterAll(async () => {
  await r?.stop();
});

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

// rules: R-RATE-1, R-RATE-3
Deno.test("rate limit: a rolling window admits the limit, then refuses until the oldest leaves", async () => {
  const limits: RateLimit[] = [{ key: "zapa:ratelimit:test:a", limit: 3, windowMs: HOUR }];
  const at = (ms: number) => consumeRateLimits(r!.redis, limits, { now: T0 + ms });
  assert.deepEqual(await at(0), { allowed: true });
  assert.deepEqual(await at(10 * 60_000), { allowed: true });
  assert.deepEqual(await at(20 * 60_000), { allowed: true });
  const refused = await at(30 * 60_000);
  assert.equal(refused.allowed, false);
  assert.equal(refused.allowed === false && refused.retryAfterSeconds, 30 * 60);
  // Still full one millisecond before the first request leaves the window.
  assert.equal((await at(HOUR - 1)).allowed, false);
  assert.deepEqual(await at(HOUR), { allowed: true });
  const next = await at(HOUR + 1);
  assert.equal(next.allowed === false && next.retryAfterSeconds, 10 * 60);
});

// rules: R-RATE-3
Deno.test("rate limit: refused requests do not count", async () => {
  const limits: RateLimit[] = [{ key: "zapa:ratelimit:test:b", limit: 2, windowMs: HOUR }];
  await consumeRateLimits(r!.redis, limits, { now: T0 });
  await consumeRateLimits(r!.redis, limits, { now: T0 + 1 });
  for (let i = 0; i < 50; i++) {
    assert.equal((await consumeRateLimits(r!.redis, limits, { now: T0 + 100 + i })).allowed, false);
  }
  assert.equal(await r!.redis.zcard("zapa:ratelimit:test:b"), 2);
  assert.equal((await consumeRateLimits(r!.redis, limits, { now: T0 + HOUR + 1 })).allowed, true);
});

// rules: R-RATE-1, R-RATE-2, R-RATE-3
Deno.test("rate limit: phone and IP windows are checked together; a refusal records neither", async () => {
  const windows = (phone: string) =>
    codeRequestLimits(phone, "203.0.113.9", { perPhone: 3, perIp: 4 });
  for (const phone of ["+15550000001", "+15550000001", "+15550000002", "+15550000003"]) {
    assert.equal((await consumeRateLimits(r!.redis, windows(phone), { now: T0 })).allowed, true);
  }
  const byIp = await consumeRateLimits(r!.redis, windows("+15550000004"), { now: T0 });
  assert.equal(byIp.allowed, false);
  assert.equal(byIp.allowed === false && byIp.key, "zapa:ratelimit:auth-code:ip:203.0.113.9");
  assert.equal(await r!.redis.zcard("zapa:ratelimit:auth-code:phone:+15550000004"), 0);
  const keys = (await r!.redis.keys("zapa:ratelimit:auth-code:*")).sort();
  assert.ok(keys.includes("zapa:ratelimit:auth-code:phone:+15550000001"));
  // Every key expires on its own after the window.
  const ttl = await r!.redis.pttl("zapa:ratelimit:auth-code:phone:+15550000001");
  assert.ok(ttl > 0 && ttl <= HOUR);
});

// rules: R-RATE-1
Deno.test("rate limit: concurrent requests never exceed the limit", async () => {
  const limits: RateLimit[] = [{ key: "zapa:ratelimit:test:c", limit: 3, windowMs: HOUR }];
  const results = await Promise.all(
    Array.from({ length: 20 }, () => consumeRateLimits(r!.redis, limits, { now: T0 })),
  );
  assert.equal(results.filter((x) => x.allowed).length, 3);
});

// rules: R-RATE-4
Deno.test("rate limit: Redis down is a DependencyUnavailable (→ 503)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const dead = createRedis(`redis://127.0.0.1:${port}/0`);
  try {
    await assert.rejects(
      consumeRateLimits(dead, [{ key: "zapa:ratelimit:x", limit: 1, windowMs: HOUR }]),
      DependencyUnavailable,
    );
  } finally {
    dead.disconnect();
  }
});
