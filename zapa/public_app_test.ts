import assert from "node:assert/strict";
import { createPublicApp } from "./public_app.ts";
import { type PublicTestEnv, startPublicEnv } from "./public/testing.ts";
import { createRedis } from "./redis.ts";
import { CONTENT_SECURITY_POLICY } from "./http/html.ts";
import type { Deps } from "./deps.ts";
import { createSql } from "./db/mod.ts";
import { TestPostgres } from "./testing/stores.ts";

let env: PublicTestEnv | undefined;

Deno.test.beforeAll(async () => {
  env = await startPublicEnv({ env: { CORS_ORIGINS: "https://app.example.com" } });
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

/** The same app wired to a Redis port nobody listens on. */
function appWithRedisDown() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const redis = createRedis(`redis://127.0.0.1:${port}/0`);
  const deps: Deps = { ...env!.deps, redis };
  return { app: createPublicApp(deps), close: () => redis.disconnect() };
}

// rules: R-OPS-1, R-OPS-2, R-OPS-4, R-HTTP-1
Deno.test("public app: health, ready, openapi and docs", async () => {
  for (const path of ["/health", "/api/v1/health", "/health/"]) {
    const res = await env!.call("GET", path);
    assert.equal(res.status, 200, path);
    const body = await res.json();
    assert.equal(body.status, "healthy");
    assert.equal(body.service, "zapa-public");
    assert.equal(body.environment, "test");
  }
  const ready = await env!.call("GET", "/ready");
  const body = await ready.json();
  assert.equal(ready.status, 200);
  assert.deepEqual(Object.keys(body.checks).sort(), ["database", "redis"]);
  const doc = await (await env!.call("GET", "/openapi.json")).json();
  assert.equal(doc.openapi, "3.1.0");
  for (
    const path of [
      "/api/v1/auth/request-code",
      "/api/v1/auth/verify",
      "/api/v1/messages",
      "/api/v1/messages/export",
      "/api/v1/llm-config",
      "/api/v1/llm-config/providers",
    ]
  ) {
    assert.ok(doc.paths[path], path);
  }
  const docs = await env!.call("GET", "/docs");
  assert.equal(docs.status, 200);
  assert.equal(docs.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  await docs.body?.cancel();
});

// rules: R-OUTPUT-2, R-OUTPUT-3
Deno.test("public app: the dashboard is served with the R-OUTPUT-2 page headers", async () => {
  const res = await env!.call("GET", "/");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/html/);
  assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  await res.body?.cancel();
});

// rules: R-HTTP-11
Deno.test("public app: CORS only for the configured origins", async () => {
  const allowed = await env!.call("OPTIONS", "/api/v1/messages", {
    headers: { origin: "https://app.example.com", "access-control-request-method": "GET" },
  });
  assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
  await allowed.body?.cancel();
  const other = await env!.call("GET", "/api/v1/llm-config/providers", {
    headers: { origin: "https://evil.example" },
  });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  await other.body?.cancel();
});

// rules: R-HTTP-3, R-OUTPUT-1
Deno.test("public app: unknown paths and methods are {detail}, JSON errors are escaped", async () => {
  const res = await env!.call("GET", "/api/v1/<script>");
  assert.equal(res.status, 404);
  const text = await res.text();
  assert.equal(text.includes("<"), false);
  assert.equal(typeof JSON.parse(text).detail, "string");
  const big = await env!.call("POST", "/api/v1/auth/request-code", {
    body: JSON.stringify({ phone_number: "+1".padEnd(2_000_000, "5") }),
  });
  assert.equal(big.status, 413);
  await big.body?.cancel();
});

// rules: R-HTTP-4, R-RATE-4, R-TOKEN-3, R-OPS-2
Deno.test("public app: Redis down → 503 for code requests, logout and guarded routes; ready names it", async () => {
  const { token } = await env!.signIn("+15556000001");
  const down = appWithRedisDown();
  try {
    const code = await down.app.request("/api/v1/auth/request-code", {
      method: "POST",
      body: JSON.stringify({ phone_number: "+15556000002" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(code.status, 503);
    assert.deepEqual(await code.json(), { detail: "Service temporarily unavailable" });
    const logout = await down.app.request("/api/v1/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(logout.status, 503);
    await logout.body?.cancel();
    const list = await down.app.request("/api/v1/messages", {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(list.status, 503);
    await list.body?.cancel();
    const ready = await down.app.request("/ready");
    assert.equal(ready.status, 503);
    const body = await ready.json();
    assert.deepEqual(body.failed, ["redis"]);
    assert.equal(body.status, "not_ready");
    // Bad input is still judged first: 422, not 503.
    const bad = await down.app.request("/api/v1/auth/request-code", {
      method: "POST",
      body: JSON.stringify({ phone_number: "12" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(bad.status, 422);
    await bad.body?.cancel();
  } finally {
    down.close();
  }
  // The token was never revoked, so it still works against the live Redis.
  const me = await env!.call("GET", "/api/v1/auth/me", { token });
  assert.equal(me.status, 200);
  await me.body?.cancel();
});

// rules: R-HTTP-4, R-CONFIG-1
Deno.test("public app: before private has migrated the database, 503 and not ready — never a 500", async () => {
  // Public may start (and be asked) before private's first migration: the schema is missing.
  const bare = await TestPostgres.create({ migrate: false });
  const sql = createSql(bare.url, { max: 2 });
  try {
    const app = createPublicApp({ ...env!.deps, sql });
    const ready = await app.request("/ready");
    assert.equal(ready.status, 503);
    const body = await ready.json();
    assert.deepEqual(body.failed, ["database"]);
    assert.match(body.checks.database.error, /schema not migrated yet \(pending: 001/);
    const code = await app.request("/api/v1/auth/request-code", {
      method: "POST",
      body: JSON.stringify({ phone_number: "+15556000099" }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(code.status, 503, await code.clone().text());
    assert.deepEqual(await code.json(), { detail: "Service temporarily unavailable" });
  } finally {
    await sql.end({ timeout: 1 });
    await bare.destroy();
  }
});
