import assert from "node:assert/strict";
import { LlmError, type LlmErrorKind } from "./adapters/errors.ts";
import { withPolicy } from "./policy.ts";

/** A fake provider: each target has a script of outcomes, one per call. */
function fake(scripts: Record<string, (LlmError | string)[]>) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const attempt = (target: string) => {
    calls.push(target);
    const next = scripts[target]!.shift() ?? "OK";
    if (next instanceof LlmError) return Promise.reject(next);
    return Promise.resolve(`${target}: ${next}`);
  };
  const options = {
    retryAttempts: 3,
    retryBaseMs: 100,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
  return { calls, sleeps, attempt, options };
}

function err(kind: LlmErrorKind, status: number | null = null, retryAfterMs: number | null = null) {
  return new LlmError(kind, kind, status, retryAfterMs);
}

// rules: R-LLMERR-2
Deno.test("agent policy: 429 twice then OK takes exactly 3 calls, honouring Retry-After", async () => {
  const f = fake({ primary: [err("rate_limited", 429, 1000), err("rate_limited", 429, 1000)] });
  const outcome = await withPolicy(["primary"], f.attempt, f.options);
  assert.deepEqual(outcome, {
    ok: true,
    value: "primary: OK",
    targetIndex: 0,
    firstError: "rate_limited",
  });
  assert.equal(f.calls.length, 3);
  assert.deepEqual(f.sleeps, [1000, 1000]);
});

// rules: R-LLMERR-2
Deno.test("agent policy: backoff is base × 1, 2, 4 without Retry-After", async () => {
  const f = fake({ primary: [err("unavailable", 503), err("network"), err("timeout")] });
  const outcome = await withPolicy(["primary"], f.attempt, f.options);
  assert.equal(outcome.ok, true);
  assert.deepEqual(f.sleeps, [100, 200, 400]);
});

// rules: R-LLMERR-2, R-LLMERR-3
Deno.test("agent policy: persistent 503 retries 3 times, then the fallback answers", async () => {
  const always503 = Array.from({ length: 10 }, () => err("unavailable", 503));
  const f = fake({ primary: always503, fallback: [] });
  const outcome = await withPolicy(["primary", "fallback"], f.attempt, f.options);
  assert.deepEqual(outcome, {
    ok: true,
    value: "fallback: OK",
    targetIndex: 1,
    firstError: "unavailable",
  });
  assert.deepEqual(f.calls, ["primary", "primary", "primary", "primary", "fallback"]);
});

// rules: R-LLMERR-4
Deno.test("agent policy: with no fallback a persistent 503 ends unavailable once", async () => {
  const f = fake({ primary: Array.from({ length: 10 }, () => err("unavailable", 503)) });
  const outcome = await withPolicy(["primary"], f.attempt, f.options);
  assert.deepEqual(outcome, {
    ok: false,
    rejected: false,
    errorKind: "unavailable",
    targetIndex: 0,
  });
  assert.equal(f.calls.length, 4);
});

// rules: R-LLMERR-3, R-LLMERR-4
Deno.test("agent policy: a failing fallback gets the same retries, then unavailable", async () => {
  const many = () => Array.from({ length: 10 }, () => err("unavailable", 500));
  const f = fake({ primary: many(), fallback: many() });
  const outcome = await withPolicy(["primary", "fallback"], f.attempt, f.options);
  assert.deepEqual(outcome, {
    ok: false,
    rejected: false,
    errorKind: "unavailable",
    targetIndex: 1,
  });
  assert.deepEqual(f.calls.filter((c) => c === "fallback").length, 4);
});

// rules: R-LLMERR-5
Deno.test("agent policy: 401 stops after 1 call with no fallback", async () => {
  const f = fake({ primary: [err("rejected_key", 401)], fallback: [] });
  const outcome = await withPolicy(["primary", "fallback"], f.attempt, f.options);
  assert.deepEqual(outcome, {
    ok: false,
    rejected: true,
    errorKind: "rejected_key",
    targetIndex: 0,
  });
  assert.deepEqual(f.calls, ["primary"]);
  assert.deepEqual(f.sleeps, []);
});

// rules: R-LLMERR-3
Deno.test("agent policy: other 4xx skips retries and goes to the fallback", async () => {
  const f = fake({ primary: [err("bad_request", 400)], fallback: [] });
  const outcome = await withPolicy(["primary", "fallback"], f.attempt, f.options);
  assert.equal(outcome.ok && outcome.targetIndex, 1);
  assert.deepEqual(f.calls, ["primary", "fallback"]);
  const alone = fake({ primary: [err("bad_request", 404)] });
  assert.deepEqual(await withPolicy(["primary"], alone.attempt, alone.options), {
    ok: false,
    rejected: false,
    errorKind: "bad_request",
    targetIndex: 0,
  });
  assert.equal(alone.calls.length, 1);
});

Deno.test("agent policy: non-LLM errors propagate", async () => {
  await assert.rejects(
    withPolicy(["p"], () => Promise.reject(new Error("db down")), {
      retryAttempts: 3,
      retryBaseMs: 0,
    }),
    /db down/,
  );
});
