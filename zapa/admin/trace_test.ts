/**
 * The admin message trace (R-ADMIN-8) against a real PostgreSQL, in-process through
 * `app.request`: hops in order from the stored rows, hostile ids refused, unknown ids 404.
 */
import assert from "node:assert/strict";
import { createApp } from "../http/app.ts";
import { MetricsRegistry } from "../http/metrics.ts";
import { startTestEnv, type TestEnv } from "../testing/admin_env.ts";
import { adminRoutes } from "./mod.ts";

let env: TestEnv | undefined;
let app: ReturnType<typeof createApp>;
let token = "";

Deno.test.beforeAll(async () => {
  env = await startTestEnv();
  app = createApp({ service: "zapa-private", metrics: new MetricsRegistry() });
  app.route("/api/v1", adminRoutes(env.deps));
  const res = await app.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin123" }),
  });
  token = (await res.json()).access_token;
});

Deno.test.afterAll(async () => {
  await env?.stop();
});

function trace(id: string, bearer = token) {
  return app.request(`/api/v1/admin/messages/${id}/trace`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
}

/** An inbound message answered 400 ms later after a 250 ms LLM call, delivered and read. */
async function answeredMessage(waId: string, replyWaId: string) {
  const sql = env!.deps.sql;
  const phone = `+1555${String(Date.now()).slice(-8)}`;
  const [user] = await sql<{ id: number }[]>`
    INSERT INTO users (phone_number) VALUES (${phone}) RETURNING id`;
  const t0 = Date.parse("2026-12-02T10:00:00.000Z");
  const at = (ms: number) => new Date(t0 + ms);
  const [inbound] = await sql<{ id: number }[]>`
    INSERT INTO messages (user_id, direction, content, whatsapp_message_id, agent_status,
      "timestamp", created_at, updated_at)
    VALUES (${user!.id}, 'inbound', 'hello', ${waId}, 'done', ${at(-20)}, ${at(0)}, ${at(400)})
    RETURNING id`;
  await sql`
    INSERT INTO messages (user_id, direction, content, whatsapp_message_id, reply_to_id, status,
      metadata, "timestamp", created_at, updated_at)
    VALUES (${user!.id}, 'outbound', 'hi!', ${replyWaId}, ${inbound!.id}, 'read',
      ${
    sql.json({
      provider: "openai",
      model: "gpt-4o-mini",
      response_time_ms: 250,
      tool_rounds: 0,
      fallback_used: false,
      error_kind: null,
    })
  }, ${at(400)}, ${at(400)}, ${at(900)})`;
}

// rules: R-ADMIN-8
Deno.test("admin trace: an answered message's hops come in order, from its id or its reply's", async () => {
  const waId = `TRACE${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  await answeredMessage(waId, `${waId}R`);
  for (const id of [waId, `${waId}R`]) {
    const res = await trace(id);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.whatsapp_message_id, id);
    assert.equal(body.message.whatsapp_message_id, waId);
    assert.equal(body.reply.whatsapp_message_id, `${waId}R`);
    assert.deepEqual(
      body.hops.map((h: { hop: string; status: string; duration_ms: number | null }) => [
        h.hop,
        h.status,
        h.duration_ms,
      ]),
      [
        ["stored", "stored", 0],
        ["waiting for the agent", "done", 150],
        ["agent", "replied", 250],
        ["LLM call", "ok", 250],
        ["delivery", "read", 500],
      ],
    );
    assert.equal(body.hops[3].detail, "openai gpt-4o-mini");
    assert.equal(body.hops[0].start, "2026-12-02T10:00:00.000Z");
  }
});

// rules: R-ADMIN-8
Deno.test("admin trace: an unanswered message shows it is still waiting", async () => {
  const sql = env!.deps.sql;
  const waId = `WAIT${crypto.randomUUID().slice(0, 8)}`;
  const [user] = await sql<{ id: number }[]>`
    INSERT INTO users (phone_number) VALUES (${`+1556${String(Date.now()).slice(-8)}`})
    RETURNING id`;
  await sql`INSERT INTO messages (user_id, direction, content, whatsapp_message_id, agent_status)
    VALUES (${user!.id}, 'inbound', 'still there?', ${waId}, 'pending')`;
  const body = await (await trace(waId)).json();
  assert.equal(body.reply, null);
  assert.deepEqual(body.hops.map((h: { hop: string }) => h.hop), [
    "stored",
    "waiting for the agent",
  ]);
  assert.equal(body.hops[1].end, null);
  assert.equal(body.hops[1].status, "pending");
});

// rules: R-ADMIN-8, R-HTTP-8
Deno.test("admin trace: hostile ids get a 4xx, unknown ones 404, never a 500", async () => {
  const unknown = await trace("3EB0NOSUCHMESSAGE");
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { detail: "No message with this WhatsApp id" });
  for (
    const hostile of [
      "x".repeat(256),
      encodeURIComponent("id with spaces"),
      encodeURIComponent("wamid\u0000"),
      encodeURIComponent("évian"),
      encodeURIComponent("<script>alert(1)</script>\n"),
      "%ZZ",
    ]
  ) {
    const res = await trace(hostile);
    assert.ok(res.status >= 400 && res.status < 500, `${hostile}: ${res.status}`);
    assert.match(res.headers.get("content-type") ?? "", /json/);
    await res.body?.cancel();
  }
  // Printable but odd: a lookup like any other, never SQL.
  for (const odd of ["'OR'1'='1--", "%25", "..%2F..%2Fetc"]) {
    const res = await trace(encodeURIComponent(odd));
    assert.equal(res.status, 404, odd);
    await res.body?.cancel();
  }
  const anonymous = await trace("3EB0X", "not-a-token");
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});
