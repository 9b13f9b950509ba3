/**
 * Admin API against a real PostgreSQL and Redis, in-process through `app.request`.
 */
import assert from "node:assert/strict";
import { createApp } from "../http/app.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { issueUserToken } from "../auth/tokens.ts";
import { startTestEnv, type TestEnv } from "../testing/admin_env.ts";
import { adminRoutes } from "./mod.ts";
import { overallStatus } from "./system.ts";
import { createApp as createMockLlm, createState } from "../../mock_llm/app.ts";

let env: TestEnv | undefined;
let app: ReturnType<typeof createApp>;
let token = "";

Deno.test.beforeAll(async () => {
  env = await startTestEnv();
  app = createApp({ service: "zapa-private", metrics: new MetricsRegistry() });
  app.route(
    "/api/v1",
    adminRoutes(env.deps, {
      bridgeHealth: () => Promise.resolve({ session: "connected" }),
      queueHealth: () => Promise.resolve({ queued: 0, failed: 0, oldest_queued_age_s: null }),
    }),
  );
  const res = await call("POST", "/api/v1/auth/login", { username: "admin", password: "admin123" });
  token = (await res.json()).access_token;
});

Deno.test.afterAll(async () => {
  await env?.stop();
});

function call(method: string, path: string, body?: unknown, bearer?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  return app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const asAdmin = (method: string, path: string, body?: unknown) => call(method, path, body, token);

// rules: R-TOKEN-5
Deno.test("admin auth: login, me and logout follow R-TOKEN-5", async () => {
  const bad = await call("POST", "/api/v1/auth/login", { username: "admin", password: "nope" });
  assert.equal(bad.status, 401);
  assert.deepEqual(await bad.json(), { detail: "Invalid credentials" });
  const wrongUser = await call("POST", "/api/v1/auth/login", {
    username: "x",
    password: "admin123",
  });
  assert.equal(wrongUser.status, 401);
  await wrongUser.body?.cancel();
  const invalid = await app.request("/api/v1/auth/login", { method: "POST", body: "{" });
  assert.equal(invalid.status, 422);
  await invalid.body?.cancel();

  const login = await call("POST", "/api/v1/auth/login", {
    username: "admin",
    password: "admin123",
  });
  const body = await login.json();
  assert.equal(body.token_type, "bearer");
  assert.equal(body.expires_in, 28_800);
  const me = await call("GET", "/api/v1/auth/me/", undefined, body.access_token);
  assert.deepEqual(await me.json(), { username: "admin", role: "admin" });
  const out = await call("POST", "/api/v1/auth/logout", undefined, body.access_token);
  assert.equal(out.status, 200);
  await out.body?.cancel();
  const after = await call("GET", "/api/v1/auth/me", undefined, body.access_token);
  assert.equal(after.status, 401);
  assert.equal(after.headers.get("www-authenticate"), "Bearer");
  await after.body?.cancel();
});

// rules: R-TOKEN-4, R-HTTP-5
Deno.test("admin auth: a user token gets 403 and no token 401 on admin routes", async () => {
  const userToken = await issueUserToken(env!.deps.config.jwtSecret, {
    id: 1,
    phone_number: "+15550000001",
  });
  const res = await call("GET", "/api/v1/admin/users", undefined, userToken);
  assert.equal(res.status, 403);
  assert.deepEqual(await res.json(), { detail: "Not enough permissions" });
  const none = await call("GET", "/api/v1/admin/system/stats");
  assert.equal(none.status, 401);
  await none.body?.cancel();
});

// rules: R-ADMIN-1, R-ADMIN-2, R-ADMIN-3
Deno.test("admin users: create, list, search, filter, edit and delete", async () => {
  const created = await asAdmin("POST", "/api/v1/admin/users", {
    phone_number: "+1 (555) 010-2030",
    first_name: "Ada_%",
  });
  assert.equal(created.status, 201);
  const ada = await created.json();
  assert.equal(ada.phone_number, "+15550102030");
  assert.equal(ada.display_name, "User 2030");
  assert.equal(ada.messages_sent, 0);
  assert.deepEqual(ada.llm_config, { primary: null, fallback: null });

  const dup = await asAdmin("POST", "/api/v1/admin/users", { phone_number: "+15550102030" });
  assert.equal(dup.status, 409);
  await dup.body?.cancel();
  const badPhone = await asAdmin("POST", "/api/v1/admin/users", { phone_number: "12" });
  assert.equal(badPhone.status, 422);
  await badPhone.body?.cancel();

  const bob = await (await asAdmin("POST", "/api/v1/admin/users", {
    phone_number: "+15550109999",
    first_name: "Bob",
    is_active: false,
  })).json();
  const { sql } = env!.deps;
  await sql`INSERT INTO messages (user_id, content, direction) VALUES
    (${ada.id}, 'hi', 'inbound'), (${ada.id}, 'hello', 'outbound'), (${ada.id}, 'again', 'inbound')`;

  const list = await (await asAdmin("GET", "/api/v1/admin/users?page_size=1")).json();
  assert.equal(list.total, 2);
  assert.equal(list.total_pages, 2);
  assert.equal(list.users.length, 1);

  const literal = await (await asAdmin("GET", "/api/v1/admin/users?search=a_%25")).json();
  assert.deepEqual(literal.users.map((u: { id: number }) => u.id), [ada.id]);
  const wildcard = await (await asAdmin("GET", "/api/v1/admin/users?search=%25")).json();
  assert.equal(wildcard.total, 1, "% is matched literally, not as a wildcard");
  const byPhone = await (await asAdmin("GET", "/api/v1/admin/users?search=0109")).json();
  assert.deepEqual(byPhone.users.map((u: { id: number }) => u.id), [bob.id]);
  const inactive = await (await asAdmin("GET", "/api/v1/admin/users?status=inactive")).json();
  assert.deepEqual(inactive.users.map((u: { id: number }) => u.id), [bob.id]);

  const summary = (await (await asAdmin("GET", "/api/v1/admin/users?status=active")).json())
    .users[0];
  assert.deepEqual(Object.keys(summary).sort(), [
    "created_at",
    "display_name",
    "first_name",
    "id",
    "is_active",
    "last_active",
    "last_message_at",
    "last_name",
    "llm_provider",
    "phone_number",
    "total_messages",
  ]);
  assert.equal(summary.total_messages, 3);
  assert.match(summary.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const detail = await (await asAdmin("GET", `/api/v1/admin/users/${ada.id}`)).json();
  assert.equal(detail.messages_sent, 2);
  assert.equal(detail.messages_received, 1);

  const patched = await (await asAdmin("PATCH", `/api/v1/admin/users/${ada.id}`, {
    is_active: false,
    user_metadata: { note: "<b>vip</b>" },
  })).json();
  assert.equal(patched.is_active, false);
  assert.deepEqual(patched.user_metadata, { note: "<b>vip</b>" });
  const put = await asAdmin("PUT", `/api/v1/admin/users/${ada.id}`, { display_name: "Ada" });
  assert.equal((await put.json()).display_name, "Ada");

  for (const path of ["/users/999999", "/users/99999999999", "/users/999999/conversations"]) {
    const res = await asAdmin("GET", `/api/v1/admin${path}`);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  const notNumber = await asAdmin("GET", "/api/v1/admin/users/abc");
  assert.equal(notNumber.status, 422);
  await notNumber.body?.cancel();
  const tooBig = await asAdmin("GET", "/api/v1/admin/users?page_size=101");
  assert.equal(tooBig.status, 422);
  await tooBig.body?.cancel();

  const conv = await (await asAdmin("GET", `/api/v1/admin/users/${ada.id}/conversations`)).json();
  assert.equal(conv.total, 3);
  assert.equal(conv.page_size, 50);
  assert.deepEqual(conv.messages.map((m: { content: string }) => m.content), [
    "again",
    "hello",
    "hi",
  ]);
  const deleted = await (await asAdmin("DELETE", `/api/v1/admin/users/${ada.id}/conversations`))
    .json();
  assert.deepEqual(deleted, { deleted: 3 });

  const del = await asAdmin("DELETE", `/api/v1/admin/users/${bob.id}`);
  assert.equal(del.status, 204);
  const gone = await asAdmin("DELETE", `/api/v1/admin/users/${bob.id}`);
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
});

// rules: R-ADMIN-5
Deno.test("admin system: stats measure the reply time and health composes the checks", async () => {
  const { sql } = env!.deps;
  const [u] = await sql<{ id: number }[]>`
    INSERT INTO users (phone_number) VALUES ('+15550107777') RETURNING id`;
  const [m] = await sql<{ id: number }[]>`
    INSERT INTO messages (user_id, content, direction, created_at)
    VALUES (${u!.id}, 'q', 'inbound', now() - interval '1500 milliseconds') RETURNING id`;
  await sql`INSERT INTO messages (user_id, content, direction, reply_to_id, metadata)
    VALUES (${u!.id}, 'a', 'outbound', ${m!.id}, ${sql.json({ provider: "anthropic" })})`;
  const stats = await (await asAdmin("GET", "/api/v1/admin/system/stats")).json();
  assert.ok(stats.total_users >= 1);
  assert.ok(stats.messages_today >= 2);
  assert.ok(
    stats.average_response_time_ms >= 1400 && stats.average_response_time_ms < 5000,
    `average ${stats.average_response_time_ms}`,
  );
  assert.equal(stats.llm_provider_usage.anthropic, 1);
  assert.equal(stats.llm_provider_usage.openai, 0);

  const health = await (await asAdmin("GET", "/api/v1/admin/system/health")).json();
  assert.equal(health.status, "healthy");
  assert.equal(health.checks.database.status, "up");
  assert.equal(health.checks.bridge.session, "connected");
  assert.equal(typeof health.uptime_seconds, "number");
});

// rules: R-ADMIN-5
Deno.test("admin system: overall status follows R-ADMIN-5", () => {
  const up = { status: "up" as const, latency_ms: 1 };
  const down = { status: "down" as const, latency_ms: 1, error: "x" };
  const cases: Array<[string, Record<string, typeof up | typeof down>, string]> = [
    ["all up", { database: up, redis: up }, "healthy"],
    ["database down", { database: down, redis: up }, "unhealthy"],
    ["redis down", { database: up, redis: down }, "unhealthy"],
    ["bridge down", { database: up, redis: up, bridge: down }, "degraded"],
    ["session off", {
      database: up,
      redis: up,
      bridge: { ...up, session: "disconnected" } as typeof up,
    }, "degraded"],
    ["failed items", {
      database: up,
      redis: up,
      queue: { ...up, failed: 2 } as typeof up,
    }, "degraded"],
    ["old queue", {
      database: up,
      redis: up,
      queue: { ...up, oldest_queued_age_s: 61 } as typeof up,
    }, "degraded"],
  ];
  for (const [name, checks, expected] of cases) {
    assert.equal(overallStatus(checks), expected, name);
  }
});

// rules: R-ADMIN-4, R-LLMCFG-10
Deno.test("admin llm-config: save and read a user's settings; keys never come back", async () => {
  const user = await (await asAdmin("POST", "/api/v1/admin/users", {
    phone_number: "+15550105555",
  })).json();
  const empty = await (await asAdmin("GET", `/api/v1/admin/llm-config/${user.id}`)).json();
  assert.deepEqual(empty, { primary: null, fallback: null });
  const saved = await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}`, {
    provider: "anthropic",
    api_key: "sk-admin-secret-9876",
    model_settings: { model: "claude-3-haiku" },
  });
  assert.equal(saved.status, 200);
  const text = await saved.text();
  assert.ok(!text.includes("sk-admin-secret"), "the key is never returned");
  const body = JSON.parse(text);
  assert.equal(body.primary.provider, "anthropic");
  assert.equal(body.primary.key_hint, "9876");
  assert.equal(body.primary.model_settings.temperature, 0.7);
  const [row] = await env!.deps.sql<{ api_key_encrypted: string }[]>`
    SELECT api_key_encrypted FROM llm_configs WHERE user_id = ${user.id}`;
  assert.match(row!.api_key_encrypted, /^enc:v1:/);

  const detail = await (await asAdmin("GET", `/api/v1/admin/users/${user.id}`)).json();
  assert.equal(detail.llm_provider, "anthropic");
  assert.equal(detail.llm_config.primary.key_hint, "9876");

  const invalid = await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}`, {
    provider: "nope",
    api_key: "k",
    model_settings: { model: "m" },
  });
  assert.equal(invalid.status, 422);
  await invalid.body?.cancel();
  const unknown = await asAdmin("POST", "/api/v1/admin/llm-config/999999", {
    provider: "openai",
    api_key: "k",
    model_settings: { model: "gpt-4o-mini" },
  });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

// rules: R-ADMIN-4
Deno.test("admin llm-config: test calls the body's or the saved config, 404 with nothing", async () => {
  const llm = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createMockLlm(createState()).fetch,
  );
  try {
    const base = `http://127.0.0.1:${llm.addr.port}`;
    env!.deps.config.llm.baseUrls.openai = `${base}/v1`;
    env!.deps.config.llm.baseUrls.anthropic = base;
    const user = await (await asAdmin("POST", "/api/v1/admin/users", {
      phone_number: "+15550106666",
    })).json();
    const nothing = await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}/test`);
    assert.equal(nothing.status, 404);
    await nothing.body?.cancel();

    const direct = await (await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}/test`, {
      provider: "openai",
      api_key: "sk-test-direct",
      model_settings: { model: "gpt-4o-mini" },
    })).json();
    assert.equal(direct.success, true, direct.message);
    assert.equal(direct.provider, "openai");
    assert.equal(typeof direct.response_time_ms, "number");

    const stored = await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}`, {
      provider: "anthropic",
      api_key: "x_mock-invalid",
      model_settings: { model: "claude-3-haiku" },
    });
    assert.equal(stored.status, 200);
    await stored.body?.cancel();
    const saved = await (await asAdmin("POST", `/api/v1/admin/llm-config/${user.id}/test`))
      .json();
    assert.equal(saved.success, false);
    assert.equal(saved.model, "claude-3-haiku-20240307");
    const fallback = await asAdmin(
      "POST",
      `/api/v1/admin/llm-config/${user.id}/test?target=fallback`,
    );
    assert.equal(fallback.status, 404);
    await fallback.body?.cancel();
  } finally {
    await llm.shutdown();
  }
});

// rules: R-OPS-4
Deno.test("admin openapi: the admin routes are in the generated document", () => {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "t", version: "1" },
  }) as { paths?: Record<string, unknown> };
  for (
    const path of [
      "/api/v1/auth/login",
      "/api/v1/admin/users",
      "/api/v1/admin/users/{id}",
      "/api/v1/admin/users/{id}/conversations",
      "/api/v1/admin/llm-config/{user_id}",
      "/api/v1/admin/llm-config/{user_id}/test",
      "/api/v1/admin/system/health",
      "/api/v1/admin/system/stats",
    ]
  ) assert.ok(doc.paths?.[path], `${path} in ${Object.keys(doc.paths ?? {}).join(", ")}`);
});

Deno.test("admin users: an edit racing the user's delete answers 404, never 200 with a null body", async () => {
  // The race made deterministic: a trigger deletes the row right after the edit's UPDATE, as
  // a DELETE landing between the handler's update and its re-read would.
  const sql = env!.deps.sql;
  await sql.unsafe(`
    CREATE FUNCTION vanish_after_edit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM users WHERE id = NEW.id; RETURN NULL; END $$;
    CREATE TRIGGER vanish AFTER UPDATE ON users FOR EACH ROW
      WHEN (NEW.last_name = 'vanish') EXECUTE FUNCTION vanish_after_edit();`);
  try {
    for (const [method, phone] of [["PUT", "+15557771043"], ["PATCH", "+15557772043"]]) {
      const created = await asAdmin("POST", "/api/v1/admin/users", { phone_number: phone });
      const { id } = await created.json();
      const res = await asAdmin(method!, `/api/v1/admin/users/${id}`, { last_name: "vanish" });
      assert.equal(res.status, 404, `${method}: ${await res.text()}`);
    }
  } finally {
    await sql.unsafe("DROP TRIGGER vanish ON users; DROP FUNCTION vanish_after_edit();");
  }
});
