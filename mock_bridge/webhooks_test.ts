import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { startReceiver } from "./testing.ts";
import {
  type AttemptRecord,
  deliverWebhook,
  retrySchedule,
  type WebhookEvent,
} from "./webhooks.ts";

const event: WebhookEvent = {
  sessionId: "main",
  origin: "1234567890",
  eventType: "message.received",
  timestamp: 1,
  data: { messageId: "M1", from: "15550001111@s.whatsapp.net" },
};

// rules: R-BRIDGE-5
Deno.test("mock bridge webhooks: the default schedule is 3 attempts, waiting 1 s then 2 s", () => {
  const cfg = loadConfig(() => undefined);
  assert.equal(cfg.webhookRetryAttempts, 3);
  assert.equal(cfg.webhookRetryDelayMs, 1000);
  assert.equal(cfg.webhookTimeoutMs, 10_000);
  assert.deepEqual(retrySchedule(cfg.webhookRetryAttempts, cfg.webhookRetryDelayMs), [1000, 2000]);
  assert.deepEqual(retrySchedule(1, 1000), []);
  assert.deepEqual(retrySchedule(4, 50), [50, 100, 150]);
});

// rules: R-BRIDGE-5
Deno.test("mock bridge webhooks: a receiver answering 500, 500, 200 sees exactly 3 attempts spaced by the delays", async () => {
  const receiver = startReceiver({ statuses: [500, 500, 200] });
  try {
    const records: AttemptRecord[] = [];
    const d = deliverWebhook(event, {
      url: receiver.url,
      attempts: 3,
      delayMs: 100,
      timeoutMs: 5000,
      record: (a) => records.push(a),
    });
    assert.equal((await d.first).status, 500);
    const final = await d.done;
    assert.equal(final.status, 200);
    assert.deepEqual(final.body, { status: "accepted", n: 3 });
    assert.equal(receiver.received.length, 3);
    const [a, b, c] = receiver.received.map((r) => r.at) as [number, number, number];
    // Attempt 2 waits 100 ms × 1, attempt 3 waits 100 ms × 2 (timer slack allowed above).
    assert.ok(b - a >= 95 && b - a < 400, `gap 1 was ${b - a} ms`);
    assert.ok(c - b >= 195 && c - b < 500, `gap 2 was ${c - b} ms`);
    assert.deepEqual(records.map((r) => [r.attempt, r.status]), [[1, 500], [2, 500], [3, 200]]);
    assert.equal(records[0]?.error, "HTTP 500");
    assert.equal(records[2]?.error, null);
    assert.equal(records[0]?.message_id, "M1");
    for (const r of receiver.received) {
      assert.equal(r.event, "message.received");
      assert.deepEqual(r.body, event);
      assert.match(r.url, /\?secret=s3cret$/);
    }
  } finally {
    await receiver.close();
  }
});

Deno.test("mock bridge webhooks: success on the first attempt stops there", async () => {
  const receiver = startReceiver();
  try {
    const records: AttemptRecord[] = [];
    const d = deliverWebhook(event, {
      url: receiver.url,
      attempts: 3,
      delayMs: 10,
      timeoutMs: 5000,
      record: (a) => records.push(a),
    });
    await d.done;
    assert.equal(receiver.received.length, 1);
    assert.equal(records.length, 1);
  } finally {
    await receiver.close();
  }
});

// rules: R-BRIDGE-5
Deno.test("mock bridge webhooks: a refused connection is recorded as status 0 with an error, and retried", async () => {
  // Bind then close a port so nothing listens on it.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const records: AttemptRecord[] = [];
  const d = deliverWebhook(event, {
    url: `http://127.0.0.1:${port}/hook`,
    attempts: 2,
    delayMs: 5,
    timeoutMs: 2000,
    record: (a) => records.push(a),
  });
  const final = await d.done;
  assert.equal(final.status, 0);
  assert.equal(records.length, 2);
  assert.ok(
    records.every((r) => r.status === 0 && typeof r.error === "string" && r.error.length > 0),
  );
});

// rules: R-BRIDGE-5
Deno.test("mock bridge webhooks: a receiver slower than the timeout counts as a failed attempt", async () => {
  const receiver = startReceiver({ delayMs: 300 });
  try {
    const records: AttemptRecord[] = [];
    const d = deliverWebhook(event, {
      url: receiver.url,
      attempts: 1,
      delayMs: 0,
      timeoutMs: 50,
      record: (a) => records.push(a),
    });
    const final = await d.done;
    assert.equal(final.status, 0);
    assert.match(final.error ?? "", /timeout after 50 ms/);
  } finally {
    await receiver.close();
  }
});

Deno.test("mock bridge webhooks: a cancelled delivery (reset) makes no further attempts", async () => {
  const receiver = startReceiver({ statuses: [500, 500, 500] });
  try {
    let cancelled = false;
    const d = deliverWebhook(event, {
      url: receiver.url,
      attempts: 3,
      delayMs: 30,
      timeoutMs: 2000,
      record: () => {},
      cancelled: () => cancelled,
    });
    await d.first;
    cancelled = true;
    await d.done;
    assert.equal(receiver.received.length, 1);
  } finally {
    await receiver.close();
  }
});
