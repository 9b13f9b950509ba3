/**
 * The API's central input rules on both entrypoints (R-HTTP-*, R-HTTP-8): text PostgreSQL cannot
 * hold is a 422 naming the field, a known path with another method is a 405 with `Allow`,
 * unknown query parameters are ignored, and a write racing a delete is a 404, never a 500.
 */
import assert from "node:assert/strict";
import { type BothApps, startBothApps } from "../testing/apps.ts";
import { createUser } from "../public/testing.ts";

let env: BothApps | undefined;
let token = "";

Deno.test.beforeAll(async () => {
  env = await startBothApps();
  token = (await env.signIn("+15557000001")).token;
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

const LLM_BODY = {
  provider: "openai",
  api_key: "sk-test-1234",
  model_settings: { model: "gpt-4o-mini" },
};

async function expect422(res: Response, field: string | RegExp): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 422, text);
  const detail = JSON.parse(text).detail;
  assert.equal(typeof detail, "string");
  assert.match(detail, typeof field === "string" ? new RegExp(`^${field}\\b`) : field);
}

// rules: R-HTTP-8
Deno.test("api input: U+0000 in a public JSON body is a 422 naming the field", async () => {
  const cases: [string, string, unknown, string][] = [
    ["POST", "/api/v1/llm-config", {
      ...LLM_BODY,
      model_settings: { model: "gpt-4o-mini", custom_instructions: "be\u0000brief" },
    }, "model_settings.custom_instructions"],
    ["POST", "/api/v1/llm-config", { ...LLM_BODY, api_key: "sk-\u0000" }, "api_key"],
    ["PATCH", "/api/v1/auth/me", { display_name: "A\u0000B" }, "display_name"],
    ["POST", "/api/v1/auth/request-code", { phone_number: "+1555\u00001234" }, "phone_number"],
  ];
  for (const [method, path, body, field] of cases) {
    await expect422(await env!.call(method, path, { body, token }), field);
  }
});

// rules: R-HTTP-8
Deno.test("api input: a lone surrogate escape in a JSON body is a 422, both entrypoints", async () => {
  const raw = '{"display_name": "x\\ud800y"}';
  await expect422(
    await env!.call("PATCH", "/api/v1/auth/me", { body: raw, token }),
    "display_name",
  );
  const low = '{"display_name": "\\udc00"}';
  await expect422(
    await env!.call("PATCH", "/api/v1/auth/me", { body: low, token }),
    "display_name",
  );
  const created = await env!.callPrivate("POST", "/api/v1/admin/users", {
    body: '{"phone_number": "+15557000101", "first_name": "\\ud83d"}',
    token: env!.adminToken,
  });
  await expect422(created, "first_name");
});

// rules: R-HTTP-8
Deno.test("api input: U+0000 in admin bodies, nested metadata and keys is a 422", async () => {
  const admin = env!.adminToken;
  const id = await createUser(env!.pg.sql, "+15557000102");
  await expect422(
    await env!.callPrivate("POST", "/api/v1/admin/users", {
      body: { phone_number: "+15557000103", display_name: "\u0000" },
      token: admin,
    }),
    "display_name",
  );
  await expect422(
    await env!.callPrivate("PATCH", `/api/v1/admin/users/${id}`, {
      body: { user_metadata: { notes: ["ok", { deep: "a\u0000" }] } },
      token: admin,
    }),
    "user_metadata.notes.1.deep",
  );
  await expect422(
    await env!.callPrivate("PUT", `/api/v1/admin/users/${id}`, {
      body: { user_metadata: { "k\u0000": 1 } },
      token: admin,
    }),
    /^user_metadata: .*key/,
  );
  await expect422(
    await env!.callPrivate("POST", `/api/v1/admin/llm-config/${id}`, {
      body: { ...LLM_BODY, model_settings: { model: "gpt\u0000" } },
      token: admin,
    }),
    "model_settings.model",
  );
  await expect422(
    await env!.callPrivate("POST", "/api/v1/auth/login", {
      body: { username: "admin\u0000", password: "admin123" },
    }),
    "username",
  );
});

// rules: R-HTTP-8, R-HTTP-3
Deno.test("api input: NUL and malformed percent-encoding in query parameters are a 422", async () => {
  const cases: [string, string][] = [
    ["/api/v1/messages/search?q=a%00b", "q"],
    ["/api/v1/messages?search=%00", "search"],
    ["/api/v1/messages/search?q=%ff%fe", "q"],
    ["/api/v1/messages/search?q=%ED%A0%80", "q"],
  ];
  for (const [path, field] of cases) {
    await expect422(await env!.call("GET", path, { token }), field);
  }
  await expect422(
    await env!.callPrivate("GET", "/api/v1/admin/users?search=x%00", { token: env!.adminToken }),
    "search",
  );
  await expect422(
    await env!.callPrivate("GET", "/api/v1/admin/sessions/a%00b", { token: env!.adminToken }),
    "id",
  );
});

// rules: R-HTTP-7
Deno.test("api input: unknown query parameters are ignored, even when they hold NUL", async () => {
  const res = await env!.call("GET", "/api/v1/messages?zz_unknown=%00&limit=5&other=%ff", {
    token,
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await res.json()).limit, 5);
  const health = await env!.callPrivate("GET", "/health?x=%00");
  assert.equal(health.status, 200);
  await health.body?.cancel();
});

// rules: R-HTTP-3
Deno.test("api input: hostile JSON shapes (deep nesting, huge numbers, non-UTF-8) are 4xx", async () => {
  const admin = env!.adminToken;
  const id = await createUser(env!.pg.sql, "+15557000104");
  const deep = `{"user_metadata": ${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
  const nested = await env!.callPrivate("PATCH", `/api/v1/admin/users/${id}`, {
    body: `{"user_metadata": {"a": ${deep}}}`,
    token: admin,
  });
  assert.equal(nested.status, 422, (await nested.clone().text()).slice(0, 200));
  await nested.body?.cancel();
  for (const body of ["[".repeat(900_000), `{"user_metadata": ${'{"a":'.repeat(100_000)}1`]) {
    const res = await env!.callPrivate("PATCH", `/api/v1/admin/users/${id}`, {
      body,
      token: admin,
    });
    assert.equal(res.status, 422, `${body.slice(0, 20)}…: ${res.status}`);
    await res.body?.cancel();
  }
  const huge = await env!.callPrivate("PATCH", `/api/v1/admin/users/${id}`, {
    body: '{"user_metadata": {"n": 1e400}}',
    token: admin,
  });
  await expect422(huge, "user_metadata.n");
  const bytes = new Uint8Array([
    ...new TextEncoder().encode('{"display_name":"'),
    0xff,
    0x22,
    0x7d,
  ]);
  const bad = await env!.app.request("/api/v1/auth/me", {
    method: "PATCH",
    body: bytes,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  assert.equal(bad.status, 422, await bad.clone().text());
  await bad.body?.cancel();
});

// rules: R-HTTP-3
Deno.test("api input: content types and duplicate keys never make a 500", async () => {
  const cases: [string, string, number][] = [
    ["text/plain", JSON.stringify(LLM_BODY), 200],
    ["application/x-www-form-urlencoded", "provider=openai&api_key=x", 422],
    ["multipart/form-data; boundary=x", "--x\r\n\r\n--x--", 422],
    [
      "application/json",
      '{"provider":"google","provider":"openai","api_key":"k","model_settings":{"model":"m"}}',
      200,
    ],
  ];
  for (const [type, body, status] of cases) {
    const res = await env!.call("POST", "/api/v1/llm-config", {
      body,
      token,
      headers: { "content-type": type },
    });
    assert.equal(res.status, status, `${type}: ${await res.clone().text()}`);
    if (status === 200) assert.equal((await res.json()).primary.provider, "openai");
    else await res.body?.cancel();
  }
});

// rules: R-HTTP-6
Deno.test("api methods: a known path with another method is a 405 with Allow, before auth", async () => {
  const cases: [BothApps["call"], string, string, string][] = [
    [env!.call, "PUT", "/api/v1/messages", "GET, HEAD"],
    [env!.call, "DELETE", "/api/v1/messages/search", "GET, HEAD"],
    [env!.call, "GET", "/api/v1/auth/request-code", "POST"],
    [env!.call, "PUT", "/api/v1/llm-config", "DELETE, GET, HEAD, POST"],
    [env!.call, "POST", "/health", "GET, HEAD"],
    [env!.call, "DELETE", "/api/v1/ready/", "GET, HEAD"],
    [env!.call, "POST", "/metrics", "GET, HEAD"],
    [env!.call, "PATCH", "/openapi.json", "GET, HEAD"],
    [env!.call, "POST", "/docs", "GET, HEAD"],
    [env!.call, "POST", "/", "GET, HEAD"],
    [env!.call, "OPTIONS", "/api/v1/auth/me", "GET, HEAD, PATCH"],
    [env!.callPrivate, "GET", "/api/v1/auth/login", "POST"],
    [env!.callPrivate, "PUT", "/api/v1/admin/users", "GET, HEAD, POST"],
    [env!.callPrivate, "POST", "/api/v1/admin/users/1", "DELETE, GET, HEAD, PATCH, PUT"],
    [env!.callPrivate, "PUT", "/api/v1/admin/queue/failed", "GET, HEAD"],
    [env!.callPrivate, "GET", "/api/v1/webhooks/whatsapp", "POST"],
    [env!.callPrivate, "DELETE", "/admin", "GET, HEAD"],
    [env!.callPrivate, "PATCH", "/api/v1/admin/system/health", "GET, HEAD"],
  ];
  for (const [call, method, path, allow] of cases) {
    const res = await call(method, path);
    const text = await res.text();
    assert.equal(res.status, 405, `${method} ${path}: ${res.status} ${text}`);
    assert.equal(res.headers.get("allow"), allow, `${method} ${path}`);
    assert.deepEqual(JSON.parse(text), { detail: "Method Not Allowed" });
  }
  // HEAD is served wherever GET is; unknown paths stay 404.
  const head = await env!.call("HEAD", "/health");
  assert.equal(head.status, 200);
  await head.body?.cancel();
  const unknown = await env!.call("PUT", "/api/v1/nowhere");
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

// rules: R-HTTP-10
Deno.test("api races: an admin LLM config write for a user deleted meanwhile is a 404", async () => {
  const { sql } = env!.pg;
  const id = await createUser(sql, "+15557000105");
  // Delete the user in an open transaction: the write's existence check still sees the row,
  // its insert then waits on the foreign key until the delete commits.
  const reserved = await sql.reserve();
  try {
    await reserved`BEGIN`;
    await reserved`DELETE FROM users WHERE id = ${id}`;
    const pending = env!.callPrivate("POST", `/api/v1/admin/llm-config/${id}`, {
      body: LLM_BODY,
      token: env!.adminToken,
    });
    const deadline = Date.now() + 10_000;
    while (true) {
      const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO llm_configs%'`;
      if (row!.n > 0) break;
      if (Date.now() > deadline) throw new Error("the config write never waited on the delete");
      await new Promise((r) => setTimeout(r, 10));
    }
    await reserved`COMMIT`;
    const res = await pending;
    const text = await res.text();
    assert.equal(res.status, 404, text);
    assert.equal(typeof JSON.parse(text).detail, "string");
  } finally {
    reserved.release();
  }
});

// rules: R-HTTP-10
Deno.test("api races: an admin edit whose user is deleted before it is read back is a 404", async () => {
  const { sql } = env!.pg;
  const id = await createUser(sql, "+15557000106");
  // A trigger deletes the row right after the edit commits, before the route reads it back.
  await sql.unsafe(`CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM users WHERE id = NEW.id; RETURN NULL; END $$`);
  await sql.unsafe(`CREATE TRIGGER vanish AFTER UPDATE ON users FOR EACH ROW
    WHEN (NEW.display_name = 'vanish') EXECUTE FUNCTION vanish()`);
  try {
    const res = await env!.callPrivate("PATCH", `/api/v1/admin/users/${id}`, {
      body: { display_name: "vanish" },
      token: env!.adminToken,
    });
    const text = await res.text();
    assert.equal(res.status, 404, text);
    assert.equal(typeof JSON.parse(text).detail, "string");
  } finally {
    await sql.unsafe("DROP TRIGGER vanish ON users; DROP FUNCTION vanish()");
  }
});

// rules: R-HTTP-9
Deno.test("api input: length limits count characters as the documents do, not UTF-16 units", async () => {
  // maxLength in JSON Schema counts code points; 200 emoji are 200 characters (400 UTF-16 units).
  const name = "😀".repeat(200);
  const me = await env!.call("PATCH", "/api/v1/auth/me", { body: { display_name: name }, token });
  assert.equal(me.status, 200, (await me.clone().text()).slice(0, 200));
  assert.equal((await me.json()).display_name, name);
  const tooLong = await env!.call("PATCH", "/api/v1/auth/me", {
    body: { display_name: "😀".repeat(256) },
    token,
  });
  await expect422(tooLong, "display_name");
  const created = await env!.callPrivate("POST", "/api/v1/admin/users", {
    body: { phone_number: "+15557000107", first_name: "🌟".repeat(100) },
    token: env!.adminToken,
  });
  assert.equal(created.status, 201, (await created.clone().text()).slice(0, 200));
  await created.body?.cancel();
  const saved = await env!.call("POST", "/api/v1/llm-config", {
    body: {
      ...LLM_BODY,
      model_settings: { model: "m", custom_instructions: "🙂".repeat(2000) },
    },
    token,
  });
  assert.equal(saved.status, 200, (await saved.clone().text()).slice(0, 200));
  await saved.body?.cancel();
});
