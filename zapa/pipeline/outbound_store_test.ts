/** The Redis outbound queue on a real Redis: NX ids, per-recipient order, leases, dead letters. */
import assert from "node:assert/strict";
import { createRedis, type Redis } from "../redis.ts";
import { enqueueOutbound, OUT } from "./outbound_queue.ts";
import {
  claimDue,
  completeJob,
  countOrphanReceipts,
  deadLetterJob,
  drainOutbound,
  type LeasedJob,
  markAttempt,
  markSent,
  nextDueAt,
  noteOrphanReceipts,
  openAttempts,
  reclaimLeases,
  retryJob,
  takeOrphanReceipt,
} from "./outbound_store.ts";
import { eventually, TestRedis } from "../testing/mod.ts";

let server: TestRedis;
let redis: Redis;

Deno.test.beforeAll(async () => {
  server = await TestRedis.create();
  redis = createRedis(server.url, { commandTimeoutMs: 1_000 });
  while (redis.status !== "ready") await new Promise((r) => setTimeout(r, 10));
});

Deno.test.afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
});

const claim = (max = 10, leaseMs = 10_000) => claimDue(redis, { max, leaseMs, owner: "t" });
const job = (id: string, to: string) => ({
  id,
  kind: "reply" as const,
  to,
  text: `text ${id}`,
  messageId: 7,
});

// rules: R-INTAKE-6
Deno.test("outbound queue: an existing job id is not added twice", async () => {
  await redis.flushall();
  assert.equal(await enqueueOutbound(redis, job("reply:1", "+15550000001")), true);
  assert.equal(await enqueueOutbound(redis, job("reply:1", "+15550000001")), false);
  assert.equal(await redis.zcard(OUT.jobs), 1);
});

// rules: R-ORDER-3
Deno.test("outbound queue: one job per recipient at a time, in enqueue order", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await enqueueOutbound(redis, job("a2", "+1555000000A"));
  await enqueueOutbound(redis, job("b1", "+1555000000B"));
  const first = await claim();
  assert.deepEqual(first.map((j) => j.id).sort(), ["a1", "b1"]);
  assert.deepEqual(await claim(), [], "leased recipients are not claimed again");
  const a1 = first.find((j) => j.id === "a1")!;
  assert.equal(a1.text, "text a1");
  assert.equal(a1.messageId, 7);
  await completeJob(redis, a1);
  assert.deepEqual((await claim()).map((j) => j.id), ["a2"]);
});

// rules: R-ORDER-4
Deno.test("outbound queue: a job waiting for its retry blocks only its recipient", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await enqueueOutbound(redis, job("a2", "+1555000000A"));
  const [a1] = await claim();
  await retryJob(redis, { ...a1!, attempts: 1 }, { dueAt: Date.now() + 60_000, lastError: "503" });
  await enqueueOutbound(redis, job("b1", "+1555000000B"));
  assert.deepEqual((await claim()).map((j) => j.id), ["b1"]);
  const due = await nextDueAt(redis);
  assert.ok(due !== null && due > Date.now() + 50_000);
  assert.equal(await drainOutbound(redis), 1);
  const again = await claim();
  assert.deepEqual(again.map((j) => j.id), ["a1"], "the head job, not the next one");
  assert.equal(again[0]!.attempts, 1);
  assert.equal(again[0]!.lastError, "503");
});

// rules: R-DELIVERY-3, R-ORDER-4
Deno.test("outbound queue: a dead letter leaves the queue and frees the recipient", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await enqueueOutbound(redis, job("a2", "+1555000000A"));
  const [a1] = await claim();
  await deadLetterJob(redis, { ...a1!, attempts: 3, permanentFailures: 3 }, "bridge 422");
  assert.deepEqual(await redis.zrange(OUT.failed, 0, "-1"), ["a1"]);
  assert.deepEqual((await claim()).map((j) => j.id), ["a2"]);
  assert.equal(await enqueueOutbound(redis, job("a1", "+1555000000A")), false, "still known");
});

// rules: R-INTAKE-7
Deno.test("outbound queue: expired leases are reclaimed, and an owner takes its own back", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await claim(10, 30);
  assert.deepEqual(await claim(), []);
  // The 30 ms lease runs out: the next reclaim after that finds exactly this one.
  await eventually(async () => (await reclaimLeases(redis)) === 1, {
    timeoutMs: 2_000,
    message: "the expired lease reclaimed",
  });
  const [again] = await claimDue(redis, { max: 10, leaseMs: 60_000, owner: "old-me" });
  assert.equal(again?.id, "a1");
  assert.equal(await reclaimLeases(redis), 0);
  assert.equal(await reclaimLeases(redis, "old-me"), 1);
  assert.equal((await claim())[0]?.id, "a1");
});

// rules: R-INTAKE-8
Deno.test("outbound queue: the send-once marker comes with the claimed job", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await markSent(redis, "a1", "WA-1");
  const [a1] = await claim();
  assert.equal(a1?.sentMarker, "WA-1");
});

// rules: R-INTAKE-8
Deno.test("outbound queue: a job claimed again before its outcome was recorded is in doubt", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  const [first] = await claim(10, 30);
  assert.equal(first?.attemptAt, null);
  await markAttempt(redis, first!.id, "t#run1"); // the holder starts the send, then dies
  await eventually(async () => (await reclaimLeases(redis)) === 1, {
    timeoutMs: 2_000,
    message: "the expired lease reclaimed",
  });
  const [second] = await claim();
  assert.ok(second?.attemptAt !== null && second!.attemptAt! <= Date.now());
  assert.equal(second?.attemptBy, "t#run1");
  await retryJob(redis, second!, { dueAt: Date.now(), lastError: "503" });
  const [third] = await claim();
  assert.equal(third?.attemptAt, null, "a recorded failure settles the attempt");
});

// rules: R-INTAKE-8
Deno.test("outbound queue: a job claimed but never sent is not in doubt", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await claim(10, 30); // the holder dies before it starts the send
  await eventually(async () => (await reclaimLeases(redis)) === 1, {
    timeoutMs: 2_000,
    message: "the expired lease reclaimed",
  });
  const [again] = await claim();
  assert.equal(again?.attemptAt, null, "nothing can have reached the bridge");
});

// rules: R-INTAKE-8
Deno.test("outbound queue: each holder's unsettled attempts are counted until recorded", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await enqueueOutbound(redis, job("b1", "+1555000000B"));
  await enqueueOutbound(redis, job("c1", "+1555000000C"));
  const before = Date.now();
  const jobs = await claimDue(redis, { max: 10, leaseMs: 10_000, owner: "t" });
  assert.equal(jobs.length, 3);
  for (const j of jobs) await markAttempt(redis, j.id, "t#run1");
  const group = await openAttempts(redis, "t#run1");
  assert.equal(group.size, 3);
  assert.ok(group.firstAt >= before && group.lastAt >= group.firstAt, JSON.stringify(group));
  const [a, b, c] = jobs as [LeasedJob, LeasedJob, LeasedJob];
  await completeJob(redis, a, { marker: "WA-A" });
  await retryJob(redis, b, { dueAt: Date.now() + 60_000, lastError: "503" });
  assert.equal((await openAttempts(redis, "t#run1")).size, 1, "only the unsettled send remains");
  // The next run finds c1 in doubt, named after the run that claimed it, and takes it over.
  await reclaimLeases(redis, "t");
  const [again] = await claimDue(redis, { max: 1, leaseMs: 10_000, owner: "t" });
  assert.equal(again?.id, c.id);
  assert.equal(again?.attemptBy, "t#run1");
  await markAttempt(redis, c.id, "t#run2");
  assert.equal((await openAttempts(redis, "t#run1")).size, 0);
  assert.equal((await openAttempts(redis, "t#run2")).size, 1);
});

// A holder killed after the send-once marker but before the row was written leaves a send that
// is settled, not in doubt. Counted in doubt, it outnumbers the receipts of the sends really in
// doubt, and the group is sent again: the kill -9 drill's one duplicate reply.
// rules: R-INTAKE-8, R-REPLICA-2
Deno.test("outbound queue: a send recorded by its send-once marker no longer counts as in doubt", async () => {
  await redis.flushall();
  await enqueueOutbound(redis, job("a1", "+1555000000A"));
  await enqueueOutbound(redis, job("b1", "+1555000000B"));
  const [a, b] = await claimDue(redis, { max: 10, leaseMs: 10_000, owner: "t" }) as [
    LeasedJob,
    LeasedJob,
  ];
  await markAttempt(redis, a.id, "t#run1");
  await markAttempt(redis, b.id, "t#run1");
  await markSent(redis, a.id, "WA-A"); // then the holder dies, before the row and completeJob
  assert.equal((await openAttempts(redis, "t#run1")).size, 1, "only b1 is in doubt");
  await reclaimLeases(redis, "t");
  const again = await claimDue(redis, { max: 10, leaseMs: 10_000, owner: "t" });
  const a1 = again.find((j) => j.id === a.id);
  assert.equal(a1?.sentMarker, "WA-A");
  assert.equal(a1?.attemptAt, null, "a recorded send carries no attempt marker");
  assert.equal(again.find((j) => j.id === b.id)?.attemptBy, "t#run1");
});

// rules: R-INTAKE-8
Deno.test("outbound queue: orphan receipts are counted without the known ones", async () => {
  await redis.flushall();
  const now = Date.now();
  await redis.zadd(OUT.orphans, now - 10_000, "OLD", now + 1, "KNOWN", now + 2, "WA-A");
  const isKnown = (id: string) => Promise.resolve(id === "KNOWN");
  assert.equal(await countOrphanReceipts(redis, now, isKnown), 1);
  assert.deepEqual(await redis.zrange(OUT.orphans, 0, "-1"), ["OLD", "WA-A"]);
});

// rules: R-INTAKE-8
Deno.test("outbound queue: orphan receipts are taken once, oldest first, skipping known ids", async () => {
  await redis.flushall();
  const now = Date.now();
  await redis.zadd(
    OUT.orphans,
    now - 10_000,
    "OLD",
    now + 1,
    "KNOWN",
    now + 2,
    "WA-A",
    now + 3,
    "WA-B",
  );
  const isKnown = (id: string) => Promise.resolve(id === "KNOWN");
  assert.equal(await takeOrphanReceipt(redis, now, isKnown, "job-1"), "WA-A");
  // WA-A's next receipt (delivered, read, a webhook retry) makes it no orphan again: a second
  // job taking it would settle two sends with one WhatsApp id.
  await noteOrphanReceipts(redis, ["WA-A"], { now: now + 5, keepMs: 60_000 });
  assert.equal(await takeOrphanReceipt(redis, now, isKnown, "job-2"), "WA-B");
  assert.equal(await takeOrphanReceipt(redis, now, isKnown, "job-3"), null);
  assert.equal(await redis.get(OUT.known("WA-A")), "job-1");
  assert.deepEqual(await redis.zrange(OUT.orphans, 0, "-1"), ["OLD"]);
});
