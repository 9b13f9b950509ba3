/**
 * The per-client-IP code-request limit (R-RATE-2), which the shared stacks cannot show:
 * their test profile sets AUTH_CODE_RATE_PER_IP_HOUR=100000 so parallel suites on one address do
 * not starve each other. Here the public app runs in-process with a limit of 4 and TRUST_PROXY,
 * so each test picks its own client address through X-Forwarded-For.
 */
import assert from "node:assert/strict";
import { type PublicTestEnv, startPublicEnv } from "./testing.ts";
import { TOO_MANY } from "./auth.ts";

const LIMIT = 4;
let env: PublicTestEnv | undefined;
let clock = Date.now();

Deno.test.beforeAll(async () => {
  env = await startPublicEnv({
    env: { AUTH_CODE_RATE_PER_IP_HOUR: String(LIMIT), TRUST_PROXY: "true" },
    app: { now: () => clock },
  });
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

let phoneSeq = 0;
/** A fresh number per request, so only the per-IP window can refuse. */
function phone(): string {
  phoneSeq++;
  return `+1555${String(3000000 + phoneSeq).padStart(7, "0")}`;
}

const requestCode = (number: string, ip: string) =>
  env!.call("POST", "/api/v1/auth/request-code", {
    body: { phone_number: number },
    headers: { "x-forwarded-for": `${ip}, 10.0.0.1` },
  });

async function statuses(ip: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await requestCode(phone(), ip);
    out.push(res.status);
    await res.body?.cancel();
  }
  return out;
}

// rules: R-RATE-2
Deno.test("auth: one client IP gets 4 codes an hour across different numbers, then 429 with Retry-After", async () => {
  assert.deepEqual(await statuses("203.0.113.10", LIMIT), [200, 200, 200, 200]);
  const refused = await requestCode(phone(), "203.0.113.10");
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After in (0, 3600]: ${retryAfter}`);
  const body = await refused.json();
  assert.deepEqual(body, { success: false, detail: TOO_MANY, retry_after: retryAfter });
});

// rules: R-RATE-2, R-RATE-3
Deno.test("auth: the per-IP window is per address (first X-Forwarded-For hop) and rolls after an hour", async () => {
  const start = clock;
  try {
    assert.deepEqual(await statuses("198.51.100.20", LIMIT + 1), [200, 200, 200, 200, 429]);
    // Another address is not affected.
    assert.deepEqual(await statuses("198.51.100.21", 1), [200]);
    // Rejected requests do not count: an hour after the first four, the address is free again.
    clock = start + 3_600_000 + 1;
    assert.deepEqual(await statuses("198.51.100.20", LIMIT + 1), [200, 200, 200, 200, 429]);
  } finally {
    clock = Date.now();
  }
});
