import assert from "node:assert/strict";
import { eventually, EventuallyTimeoutError } from "./eventually.ts";

Deno.test("eventually: resolves with the first truthy value", async () => {
  let calls = 0;
  const value = await eventually(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
  assert.deepEqual(value, { calls: 3 });
});

Deno.test("eventually: retries a probe that throws", async () => {
  let calls = 0;
  const value = await eventually(() => {
    if (++calls < 2) throw new Error("not yet");
    return "ok";
  }, { intervalMs: 1 });
  assert.equal(value, "ok");
});

Deno.test("eventually: a timeout names the expectation, the last value and the wait", async () => {
  const error = await eventually(() => ({ queued: 3 }).queued === 0, {
    timeoutMs: 30,
    intervalMs: 5,
    message: "an empty queue",
    onTimeout: () => "private log tail: …",
  }).catch((e) => e);
  assert.ok(error instanceof EventuallyTimeoutError);
  assert.match(error.message, /timed out after \d+ ms \(\d+ attempts\) waiting for an empty queue/);
  assert.match(error.message, /last value: false/);
  assert.match(error.message, /private log tail/);
});

Deno.test("eventually: a timeout shows the last error", async () => {
  const error = await eventually(() => {
    throw new Error("connection refused");
  }, { timeoutMs: 20, intervalMs: 5 }).catch((e) => e);
  assert.match(error.message, /last error: Error: connection refused/);
});
