/**
 * Admin queue and session routes in-process, mounted the way the private app mounts them, on a
 * real PostgreSQL + Redis and the in-process mock bridge (sessions).
 */
import assert from "node:assert/strict";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import { createApp } from "../http/app.ts";
import { issueAdminToken, issueUserToken } from "../auth/tokens.ts";
import { adminRoutes } from "./mod.ts";
import { queueRoutes } from "./queue.ts";
import { queueCounts } from "../pipeline/mod.ts";
import { sessionRoutes, toItem } from "./sessions.ts";
import { enqueueOutbound, OUT } from "../pipeline/outbound_queue.ts";
import { claimDue, deadLetterJob } from "../pipeline/outbound_store.ts";
import { INBOUND_DEAD } from "../pipeline/ingest.ts";
import { TestBridge, testConfig, testDeps, TestPostgres, TestRedis } from "../testing/mod.ts";

let pg: TestPostgres;
let rd: TestRedis;
let deps: Deps & { sql: Sql };
let bridge: TestBridge;
let app: ReturnType<typeof createApp>;
let admin = "";

Deno.test.beforeAll(async () => {
  [pg, rd] = await Promise.all([TestPostgres.create(), TestRedis.create()]);
  bridge = new TestBridge();
  deps = await testDeps(testConfig({ database: pg.url, redis: rd.url, bridge: bridge.url }));
  app = createApp({ service: "zapa-private", metrics: deps.metrics });
  app.route(
    "/api/v1",
    adminRoutes(deps, { queueRoutes: queueRoutes(deps), sessionRoutes: sessionRoutes(deps) }),
  );
  admin = await issueAdminToken(deps.config.adminJwtSecret, "admin");
});

Deno.test.afterAll(async () => {
  await deps?.sql.end({ timeout: 1 });
  deps?.redis.disconnect();
  await bridge?.close();
  await rd?.destroy();
  await pg?.destroy();
});

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const res = await app.request(`/api/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${options.token ?? admin}` },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// rules: R-TOKEN-4
Deno.test("admin queue: needs an admin token; a user token is 403", async () => {
  assert.equal((await call("GET", "/queue", { token: "nope" })).status, 401);
  const user = await issueUserToken(deps.config.jwtSecret, { id: 1, phone_number: "+15550000001" });
  assert.equal((await call("GET", "/queue", { token: user })).status, 403);
  assert.equal((await call("POST", "/queue/clear-failed", { token: user })).status, 403);
});

// rules: R-ADMIN-6, R-DELIVERY-4
Deno.test("admin queue: counts, dead letters, requeue and clear", async () => {
  await deps.redis.flushall();
  const empty = await call("GET", "/queue");
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, {
    queued: 0,
    processing: 0,
    failed: 0,
    total: 0,
    inbound: { queued: 0, processing: 0, failed: 0 },
    outbound: { queued: 0, processing: 0, failed: 0 },
  });

  for (
    const [id, to] of [["reply:1", "+15550000001"], ["reply:2", "+15550000001"], [
      "auth:3",
      "+15550000002",
    ]]
  ) {
    await enqueueOutbound(deps.redis, {
      id: id!,
      kind: id!.startsWith("auth") ? "auth_code" : "reply",
      to: to!,
      text: "x",
    });
  }
  const [first] = await claimDue(deps.redis, { max: 1, leaseMs: 60_000, owner: "t" });
  let counts = await queueCounts(deps);
  assert.deepEqual(counts.outbound, { queued: 2, processing: 1, failed: 0 });

  await deadLetterJob(
    deps.redis,
    { ...first!, attempts: 3, permanentFailures: 3 },
    "bridge 422: nope",
  );
  await deps.redis.hset(
    INBOUND_DEAD,
    "1-0",
    JSON.stringify({ event: JSON.stringify({ kind: "message" }), attempts: 3, last_error: "bad" }),
  );
  counts = await queueCounts(deps);
  assert.deepEqual(counts.outbound, { queued: 2, processing: 0, failed: 1 });
  assert.deepEqual(counts.inbound, { queued: 0, processing: 0, failed: 1 });
  assert.equal(counts.total, counts.queued + counts.processing + counts.failed);

  const failed = await call("GET", "/queue/failed");
  assert.equal(failed.status, 200);
  const items = failed.body.items as { queue: string; attempts: number; last_error: string }[];
  assert.equal(items.length, 2);
  assert.ok(
    items.some((i) =>
      i.queue === "outbound" && i.attempts === 3 && i.last_error === "bridge 422: nope"
    ),
  );
  assert.ok(items.some((i) => i.queue === "inbound" && i.last_error === "bad"));

  const requeued = await call("POST", "/queue/requeue-failed");
  assert.deepEqual(requeued.body, { requeued: 2 });
  counts = await queueCounts(deps);
  assert.equal(counts.outbound.failed, 0);
  assert.equal(counts.outbound.queued, 3);
  assert.equal(await deps.redis.hget(OUT.job(first!.id), "attempts"), "0");

  const [again] = await claimDue(deps.redis, { max: 1, leaseMs: 60_000, owner: "t" });
  await deadLetterJob(deps.redis, { ...again!, attempts: 3, permanentFailures: 3 }, "x");
  assert.deepEqual((await call("POST", "/queue/clear-failed")).body, { cleared: 1 });
  assert.equal((await queueCounts(deps)).failed, 0);
});

Deno.test("admin queue: one dead letter shows recipient, excerpt and time, and is requeued or deleted alone", async () => {
  await deps.redis.flushall();
  const long = "y".repeat(200);
  for (
    const [id, to, text] of [["reply:7", "+15550000007", long], ["reply:8", "+15550000008", "z"]]
  ) {
    await enqueueOutbound(deps.redis, { id: id!, kind: "reply", to: to!, text: text! });
  }
  for (let i = 0; i < 2; i++) {
    const [job] = await claimDue(deps.redis, { max: 1, leaseMs: 60_000, owner: "t" });
    await deadLetterJob(deps.redis, { ...job!, attempts: 3, permanentFailures: 3 }, "bridge 422");
  }
  await deps.redis.hset(
    INBOUND_DEAD,
    "2-0",
    JSON.stringify({
      event: JSON.stringify({ kind: "message", from: "+15550000009", content: "hi there" }),
      attempts: 3,
      last_error: "bad",
      failed_at: Date.parse("2026-12-01T10:00:00Z"),
    }),
  );
  const items = (await call("GET", "/queue/failed")).body.items as Record<string, unknown>[];
  const seven = items.find((i) => i.id === "reply:7")!;
  assert.equal(seven.recipient, "+15550000007");
  assert.equal(seven.excerpt, "y".repeat(100));
  assert.match(String(seven.failed_at), /^\d{4}-\d{2}-\d{2}T/);
  const inbound = items.find((i) => i.id === "2-0")!;
  assert.deepEqual(
    [inbound.recipient, inbound.excerpt, inbound.failed_at],
    ["+15550000009", "hi there", "2026-12-01T10:00:00.000Z"],
  );

  assert.deepEqual((await call("POST", "/queue/failed/reply:7/requeue")).body, { requeued: 1 });
  let counts = await queueCounts(deps);
  assert.deepEqual(counts.outbound, { queued: 1, processing: 0, failed: 1 }, "reply:8 stays dead");
  assert.equal(counts.inbound.failed, 1, "the inbound dead letter stays");
  assert.equal((await call("POST", "/queue/failed/reply:7/requeue")).status, 404);

  assert.deepEqual((await call("DELETE", "/queue/failed/reply:8")).body, { deleted: 1 });
  assert.equal(await deps.redis.exists(OUT.job("reply:8")), 0);
  assert.deepEqual((await call("DELETE", "/queue/failed/2-0")).body, { deleted: 1 });
  assert.equal((await call("DELETE", "/queue/failed/2-0")).status, 404);
  counts = await queueCounts(deps);
  assert.equal(counts.failed, 0);
  assert.equal(counts.outbound.queued, 1);
});

// rules: R-ADMIN-7
Deno.test("admin sessions: list, create with a PNG QR, 409, get, delete, 404", async () => {
  const list = await call("GET", "/sessions");
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.sessions[0], {
    id: "main",
    status: "connected",
    phone_number: "+1234567890",
    name: "Test User",
    connected_at: bridge.sessions.get("main")!.connectedAt!.toISOString(),
    qr_code: null,
    qr_expires_at: null,
    is_main: true,
  });
  const [mirrored] = await deps
    .sql`SELECT status, session_type FROM sessions WHERE bridge_session_id = 'main'`;
  assert.deepEqual({ ...mirrored }, { status: "connected", session_type: "main" });

  const created = await call("POST", "/sessions", { body: { session_id: "second" } });
  assert.equal(created.status, 201);
  assert.equal(created.body.status, "qr_pending");
  assert.match(created.body.qr_code, /^data:image\/png;base64,/);
  assert.equal(created.body.is_main, false);

  assert.equal((await call("POST", "/sessions", { body: { session_id: "second" } })).status, 409);
  assert.equal((await call("POST", "/sessions", { body: { session_id: "bad id!" } })).status, 422);
  assert.equal((await call("GET", "/sessions/second")).body.id, "second");
  assert.equal((await call("DELETE", "/sessions/second")).status, 204);
  const gone = await call("GET", "/sessions/second");
  assert.equal(gone.status, 404);
  assert.ok(typeof gone.body.detail === "string");
});

// rules: R-ADMIN-7
Deno.test("admin sessions: the bridge failing is 502", async () => {
  await bridge.faults({ offline: true });
  try {
    const res = await call("GET", "/sessions");
    assert.equal(res.status, 502);
    assert.ok(typeof res.body.detail === "string");
  } finally {
    await bridge.faults({ offline: false });
  }
});

// rules: R-ADMIN-7
Deno.test("admin sessions: a QR code the bridge gives as raw text is shown as a PNG data URL", async () => {
  const item = await toItem(deps, { id: "second", status: "qr_waiting", qrCode: "2@raw-qr,xyz" });
  assert.equal(item.status, "qr_pending");
  assert.match(item.qr_code ?? "", /^data:image\/png;base64,/);
});
