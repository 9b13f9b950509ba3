import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { type PublicTestEnv, startPublicEnv } from "./testing.ts";
import { hashCode } from "../auth/codes.ts";
import { CODE_SENT, INVALID_CODE, TOO_MANY } from "./auth.ts";

let env: PublicTestEnv | undefined;
let clock = Date.now();

Deno.test.beforeAll(async () => {
  env = await startPublicEnv({ app: { now: () => clock } });
});
Deno.test.afterAll(async () => {
  await env?.stop();
});

let phoneSeq = 0;
/** A fresh number per test, so the per-phone window never leaks between tests. */
function phone(): string {
  phoneSeq++;
  return `+1555${String(2000000 + phoneSeq).padStart(7, "0")}`;
}

const requestCode = (number: unknown, headers: Record<string, string> = {}) =>
  env!.call("POST", "/api/v1/auth/request-code", { body: { phone_number: number }, headers });
const verify = (number: unknown, code: unknown) =>
  env!.call("POST", "/api/v1/auth/verify", { body: { phone_number: number, code } });

async function codeRows(number: string) {
  return await env!.pg.sql<{ id: number; code_hash: string; used: boolean; attempts: number }[]>`
    SELECT a.id, a.code_hash, a.used, a.attempts FROM auth_codes a
      JOIN users u ON u.id = a.user_id WHERE u.phone_number = ${number} ORDER BY a.id`;
}

// rules: R-LOGIN-1, R-LOGIN-2
Deno.test("auth: request-code normalises the number, creates the user and queues the code", async () => {
  const number = phone();
  const formatted = `${number.slice(0, 2)} (${number.slice(2, 5)}) ${number.slice(5, 8)}-${
    number.slice(8, 10)
  }.${number.slice(10)}`;
  const res = await requestCode(formatted);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { success: true, message: CODE_SENT, phone_number: number });
  const [user] = await env!.pg.sql`SELECT display_name FROM users WHERE phone_number = ${number}`;
  assert.equal(user!.display_name, `User ${number.slice(-4)}`);
  const [row] = await codeRows(number);
  assert.equal(row!.code_hash, await hashCode(env!.deps.config.jwtSecret, "123456"));
  const job = await env!.redis.redis.hgetall(`zapa:out:job:auth:${row!.id}`);
  assert.equal(job.kind, "auth_code");
  assert.equal(job.to, number);
  assert.equal(
    job.text,
    "Your Zapa login code is 123456. It expires in 5 minutes. Do not share it.",
  );
  assert.ok(Number(job.expires_at) > Date.now());
  const [messages] = await env!.pg.sql`SELECT count(*)::int AS n FROM messages
    WHERE content LIKE '%123456%'`;
  assert.equal(messages!.n, 0);
});

// rules: R-LOGIN-3
Deno.test("auth: unknown, known and inactive numbers get the same 200; inactive gets no code", async () => {
  const known = phone();
  await env!.signIn(known);
  const inactive = phone();
  await env!.pg.sql`INSERT INTO users (phone_number, is_active) VALUES (${inactive}, false)`;
  const bodies = [];
  for (const number of [phone(), known, inactive]) {
    const res = await requestCode(number);
    assert.equal(res.status, 200);
    const body = await res.json();
    bodies.push({ ...body, phone_number: "x" });
  }
  assert.deepEqual(bodies[0], bodies[1]);
  assert.deepEqual(bodies[1], bodies[2]);
  assert.equal((await codeRows(inactive)).length, 0);
  assert.equal((await verify(inactive, "123456")).status, 401);
});

// rules: R-LOGIN-2, R-HTTP-3
Deno.test("auth: bad numbers and bad bodies are 422 {detail}, never 500", async () => {
  const cases: [string, unknown][] = [
    ["too short", "+12345"],
    ["letters", "+1555abc4567"],
    ["no plus", "15551234567"],
    ["leading zero", "+0155512345"],
    ["10 000 characters", "+1" + "5".repeat(9_998)],
    ["a number", 15551234567],
    ["null", null],
  ];
  for (const [name, value] of cases) {
    const res = await requestCode(value);
    assert.equal(res.status, 422, name);
    assert.equal(typeof (await res.json()).detail, "string", name);
  }
  const raw: [string, BodyInit][] = [
    ["array", JSON.stringify([{ phone_number: "+15551234567" }])],
    ["invalid JSON", "{"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0x70, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ["unknown field", JSON.stringify({ phone_number: "+15551234567", admin: true })],
    ["empty", ""],
  ];
  for (const [name, body] of raw) {
    for (const path of ["/api/v1/auth/request-code", "/api/v1/auth/verify"]) {
      const res = await env!.app.request(path, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 422, `${name} on ${path}`);
      assert.equal(typeof (await res.json()).detail, "string");
    }
  }
  const huge = await verify("+1" + "5".repeat(9_998), "123456");
  assert.equal(huge.status, 401);
});

// rules: R-RATE-1, R-RATE-4
Deno.test("auth: 10 rapid requests give 3 × 200 then 7 × 429; clearing zapa:ratelimit:* resets", async () => {
  const number = phone();
  const statuses: number[] = [];
  let last: Response | undefined;
  for (let i = 0; i < 10; i++) {
    last = await requestCode(number);
    statuses.push(last.status);
    if (last.status !== 200) await last.body?.cancel();
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  const retry = Number(last!.headers.get("retry-after"));
  assert.ok(retry > 3_500 && retry <= 3_600, `Retry-After ${retry}`);
  const again = await requestCode(number);
  assert.equal(again.status, 429);
  const body = await again.json();
  assert.deepEqual(body, { success: false, detail: TOO_MANY, retry_after: body.retry_after });
  assert.equal(typeof body.retry_after, "number");
  // Rejected requests were not counted: exactly three codes exist.
  assert.equal((await codeRows(number)).length, 3);

  const keys = await env!.redis.redis.keys("zapa:ratelimit:*");
  assert.ok(keys.length >= 1);
  await env!.redis.redis.del(...keys);
  assert.equal((await requestCode(number)).status, 200);
});

// rules: R-RATE-3
Deno.test("auth: the per-phone window rolls: a slot frees one hour after its request", async () => {
  const number = phone();
  const start = clock;
  try {
    for (let i = 0; i < 3; i++) {
      clock = start + i * 600_000; // t = 0, 10, 20 min
      assert.equal((await requestCode(number)).status, 200);
    }
    clock = start + 30 * 60_000;
    const blocked = await requestCode(number);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get("retry-after"), String(30 * 60));
    await blocked.body?.cancel();
    clock = start + 3_600_000 + 1; // the first request left the window
    assert.equal((await requestCode(number)).status, 200);
    const next = await requestCode(number);
    assert.equal(next.status, 429);
    assert.equal(next.headers.get("retry-after"), String(10 * 60));
    await next.body?.cancel();
  } finally {
    clock = Date.now();
  }
});

// rules: R-LOGIN-4, R-TOKEN-1
Deno.test("auth: verify issues a user JWT with every R-TOKEN-1 claim and updates last_active", async () => {
  const number = phone();
  assert.equal((await requestCode(number)).status, 200);
  const res = await verify(number, "123456");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.token_type, "bearer");
  assert.equal(body.expires_in, 86_400);
  assert.equal(body.phone_number, number);
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.sub, String(body.user_id));
  assert.equal(claims.user_id, body.user_id);
  assert.equal(claims.phone_number, number);
  assert.equal(claims.scope, "user");
  assert.equal(claims.iss, "zapa");
  assert.equal(claims.aud, "zapa-public");
  assert.equal(claims.exp! - claims.iat!, 86_400);
  assert.match(String(claims.jti), /^[0-9a-f]{32}$/);
  const [user] = await env!.pg.sql`SELECT last_active FROM users WHERE id = ${body.user_id}`;
  assert.ok(Date.now() - user!.last_active.getTime() < 10_000);
});

// rules: R-LOGIN-6
Deno.test("auth: a code works once", async () => {
  const number = phone();
  await requestCode(number);
  assert.equal((await verify(number, "123456")).status, 200);
  const reused = await verify(number, "123456");
  assert.equal(reused.status, 401);
  assert.deepEqual(await reused.json(), { detail: INVALID_CODE });
});

// rules: R-LOGIN-7
Deno.test("auth: three wrong codes void the code, so the right one then fails", async () => {
  const number = phone();
  await requestCode(number);
  for (const wrong of ["000000", "111111", "222222"]) {
    const res = await verify(number, wrong);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { detail: INVALID_CODE });
  }
  assert.equal((await verify(number, "123456")).status, 401);
  const [row] = await codeRows(number);
  assert.equal(row!.used, true);
  assert.equal(row!.attempts, 3);
});

// rules: R-LOGIN-7
Deno.test("auth: two wrong codes still leave the right one usable", async () => {
  const number = phone();
  await requestCode(number);
  assert.equal((await verify(number, "000000")).status, 401);
  assert.equal((await verify(number, "999999")).status, 401);
  assert.equal((await verify(number, "123456")).status, 200);
});

// rules: R-LOGIN-6
Deno.test("auth: an expired code fails", async () => {
  const number = phone();
  await requestCode(number);
  const [row] = await codeRows(number);
  await env!.pg.sql`UPDATE auth_codes SET expires_at = now() - interval '1 second'
    WHERE id = ${row!.id}`;
  assert.equal((await verify(number, "123456")).status, 401);
});

// rules: R-LOGIN-8
Deno.test("auth: a new request voids older codes", async () => {
  const number = phone();
  await requestCode(number);
  await requestCode(number);
  const rows = await codeRows(number);
  assert.deepEqual(rows.map((r) => r.used), [true, false]);
  assert.equal((await verify(number, "123456")).status, 200);
});

// rules: R-LOGIN-5
Deno.test("auth: malformed codes, unknown numbers and deactivated users all get the same 401", async () => {
  const number = phone();
  await requestCode(number);
  for (const code of ["12345", "1234567", "abcdef", "", " 123456x"]) {
    const res = await verify(number, code);
    assert.equal(res.status, 401, JSON.stringify(code));
    assert.deepEqual(await res.json(), { detail: INVALID_CODE });
  }
  assert.equal((await verify(phone(), "123456")).status, 401);
  assert.equal((await verify("not a phone", "123456")).status, 401);
  await env!.pg.sql`UPDATE users SET is_active = false WHERE phone_number = ${number}`;
  assert.equal((await verify(number, "123456")).status, 401);
});

// rules: R-LOGIN-6
Deno.test("auth: concurrent verifications of one code let exactly one win", async () => {
  const number = phone();
  await requestCode(number);
  const results = await Promise.all(Array.from({ length: 8 }, () => verify(number, "123456")));
  const statuses = results.map((r) => r.status).sort();
  for (const r of results) await r.body?.cancel();
  assert.deepEqual(statuses, [200, 401, 401, 401, 401, 401, 401, 401]);
});

// rules: R-LOGIN-10, R-LOGIN-11
Deno.test("auth: logout revokes the token; me reads and patches the profile", async () => {
  const number = phone();
  const { token, userId } = await env!.signIn(number);
  let res = await env!.call("GET", "/api/v1/auth/me", { token });
  assert.equal(res.status, 200);
  const me = await res.json();
  assert.equal(me.user_id, userId);
  assert.equal(me.phone_number, number);
  assert.deepEqual(Object.keys(me).sort(), [
    "created_at",
    "display_name",
    "first_name",
    "last_active",
    "last_name",
    "phone_number",
    "user_id",
  ]);

  res = await env!.call("PATCH", "/api/v1/auth/me", {
    token,
    body: { display_name: "<b>Ada</b> & co", first_name: "Ada" },
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.equal(text.includes("<"), false);
  const patched = JSON.parse(text);
  assert.equal(patched.display_name, "<b>Ada</b> & co");
  assert.equal(patched.first_name, "Ada");
  assert.equal(patched.last_name, null);

  for (
    const body of [
      { display_name: "x".repeat(256) },
      { first_name: "x".repeat(101) },
      { last_name: "x".repeat(101) },
      { phone_number: "+15550000000" },
      { is_active: false },
      [],
    ]
  ) {
    const bad = await env!.call("PATCH", "/api/v1/auth/me", { token, body });
    assert.equal(bad.status, 422, JSON.stringify(body).slice(0, 60));
    await bad.body?.cancel();
  }
  const ok = await env!.call("PATCH", "/api/v1/auth/me", {
    token,
    body: { display_name: "x".repeat(255), last_name: "y".repeat(100) },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();

  res = await env!.call("POST", "/api/v1/auth/logout", { token });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { success: true });
  res = await env!.call("GET", "/api/v1/auth/me", { token });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("www-authenticate"), "Bearer");
  assert.deepEqual(await res.json(), { detail: "Could not validate credentials" });
});
