import assert from "node:assert/strict";
import { eventually } from "../lib/eventually.ts";
import { type Receipt, ReceiptScheduler } from "./receipts.ts";
import { Limiter } from "./webhooks.ts";

Deno.test("mock bridge receipts: fire in due order across kinds; a negative delay disables a kind", async () => {
  const fired: Receipt[] = [];
  const s = new ReceiptScheduler([5, -1, 30], { maxPending: 100, fire: (r) => fired.push(r) });
  try {
    // Explicit times: a process descheduled for 25 ms between two calls would otherwise make
    // B's "sent" due after A's "read" (seen under load), and the scheduler rightly keeps due order.
    const t0 = Date.now();
    s.schedule("main", "A", t0);
    s.schedule("main", "B", t0 + 1);
    await eventually(() => fired.length === 4, { message: "4 receipts" });
    assert.deepEqual(fired.map((r) => `${r.messageId}${r.kind}`), ["A0", "B0", "A2", "B2"]);
    assert.equal(s.pending, 0);
  } finally {
    s.clear();
  }
});

Deno.test("mock bridge receipts: the backlog is bounded and overflow is counted; clear drops all", () => {
  const s = new ReceiptScheduler([10_000, 10_000, 10_000], { maxPending: 6, fire: () => {} });
  for (let i = 0; i < 5; i++) s.schedule("main", `m${i}`);
  assert.equal(s.pending, 6);
  assert.equal(s.dropped, 3);
  s.clear();
  assert.equal(s.pending, 0);
});

Deno.test("mock bridge webhooks: the limiter runs at most N tasks at once, in order", async () => {
  const limiter = new Limiter(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) =>
    limiter.run(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      active--;
    });
  const all = Promise.all([1, 2, 3, 4, 5].map(task));
  assert.equal(limiter.queued, 3);
  await all;
  assert.equal(peak, 2);
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
  assert.equal(limiter.queued, 0);
});
