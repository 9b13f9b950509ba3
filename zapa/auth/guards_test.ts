import assert from "node:assert/strict";
import { createApp } from "../http/app.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { createRedis } from "../redis.ts";
import { startRedis, type TestRedis } from "../public/testing.ts";
import type { Config } from "../config.ts";
import type { Redis } from "../redis.ts";
import { requireAdmin, requireUser } from "./guards.ts";
import { issueAdminToken, issueUserToken, revokeToken } from "./tokens.ts";
import { decodeJwt } from "jose";

const config = {
  jwtSecret: "user-secret-0123456789abcdef0123456789",
  adminJwtSecret: "admin-secret-0123456789abcdef012345678",
} as Config;

let r: TestRedis | undefined;

Deno.test.beforeAll(async () => {
  r = await startRedis();
});
Deno.test.afterAll(async () => {
  await r?.stop();
});

function appWith(redis: Redis) {
  const app = createApp({ service: "zapa-public", metrics: new MetricsRegistry() });
  app.get("/user", requireUser({ config, redis }), (c) => c.json({ id: c.get("user").user_id }));
  app.get("/admin", requireAdmin({ config, redis }), (c) => c.json({ who: c.get("admin").sub }));
  return app;
}

async function expect401(res: Response, name: string) {
  assert.equal(res.status, 401, name);
  assert.equal(res.headers.get("www-authenticate"), "Bearer", name);
  assert.deepEqual(await res.json(), { detail: "Could not validate credentials" }, name);
}

// rules: R-HTTP-5, R-TOKEN-2
Deno.test("guards: a valid user token passes; every failure is the same 401", async () => {
  const app = appWith(r!.redis);
  const user = await issueUserToken(config.jwtSecret, { id: 3, phone_number: "+15551230003" });
  const ok = await app.request("/user", { headers: { authorization: `Bearer ${user}` } });
  assert.deepEqual(await ok.json(), { id: 3 });
  const admin = await issueAdminToken(config.adminJwtSecret, "admin");
  const headers: [string, Record<string, string>][] = [
    ["no header", {}],
    ["empty bearer", { authorization: "Bearer " }],
    ["basic", { authorization: "Basic YWRtaW46YWRtaW4=" }],
    ["raw token", { authorization: user }],
    ["admin token on a user route", { authorization: `Bearer ${admin}` }],
    ["wrong secret", {
      authorization: `Bearer ${await issueUserToken("x".repeat(40), {
        id: 3,
        phone_number: "+15551230003",
      })}`,
    }],
    ["expired", {
      authorization: `Bearer ${await issueUserToken(config.jwtSecret, {
        id: 3,
        phone_number: "+15551230003",
      }, -10)}`,
    }],
  ];
  for (const [name, h] of headers) {
    await expect401(await app.request("/user", { headers: h }), name);
  }
});

// rules: R-TOKEN-3
Deno.test("guards: a revoked jti is refused", async () => {
  const app = appWith(r!.redis);
  const token = await issueUserToken(config.jwtSecret, { id: 4, phone_number: "+15551230004" });
  const { jti, exp } = decodeJwt(token);
  await revokeToken(r!.redis, String(jti), exp!);
  await expect401(
    await app.request("/user", { headers: { authorization: `Bearer ${token}` } }),
    "revoked",
  );
  const ttl = await r!.redis.ttl(`zapa:revoked:${jti}`);
  assert.ok(ttl > 86_000 && ttl <= 86_400, `revocation lasts until expiry (ttl ${ttl})`);
});

// rules: R-TOKEN-4
Deno.test("guards: scopes stay separate — user token on admin is 403, admin passes", async () => {
  const app = appWith(r!.redis);
  const user = await issueUserToken(config.jwtSecret, { id: 5, phone_number: "+15551230005" });
  const res = await app.request("/admin", { headers: { authorization: `Bearer ${user}` } });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  const admin = await issueAdminToken(config.adminJwtSecret, "admin");
  const ok = await app.request("/admin", { headers: { authorization: `Bearer ${admin}` } });
  assert.deepEqual(await ok.json(), { who: "admin" });
  await expect401(await app.request("/admin"), "no token on admin");
});

// rules: R-TOKEN-3
Deno.test("guards: with the revocation store down, a valid token gets 503 (fail closed)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const dead = createRedis(`redis://127.0.0.1:${port}/0`);
  try {
    const app = appWith(dead);
    const token = await issueUserToken(config.jwtSecret, { id: 6, phone_number: "+15551230006" });
    const res = await app.request("/user", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { detail: "Service temporarily unavailable" });
    // A bad token is still a 401: no need to ask the store.
    await expect401(await app.request("/user"), "no token while redis is down");
  } finally {
    dead.disconnect();
  }
});
