/**
 * Security: WhatsApp-code login cannot be brute-forced, replayed or outlived (R-LOGIN-*),
 * and code requests are rate limited per phone with a clear 429 that resets when the
 * `zapa:ratelimit:*` keys are cleared.
 *
 * The per-client-IP limit is not provable here: the test profile (R-CONFIG-4) sets
 * AUTH_CODE_RATE_PER_IP_HOUR=100000 so that parallel suites on 127.0.0.1 do not starve each
 * other. zapa/public/auth_ip_limit_test.ts shows it in-process with a limit of 4.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { admin, publicApi, requestCode, signIn, uniquePhone } from "../../lib/fixtures.ts";
import { MiniRedis } from "../../lib/clients/redis_resp.ts";
import { suiteTest, target } from "../../lib/target.ts";

const INVALID_CODE = { detail: "Invalid or expired code" };

/** How many requests a rate-limit key records, whatever Redis type the window uses. */
async function windowSize(redis: MiniRedis, key: string): Promise<number> {
  const type = await redis.command("TYPE", key);
  const count: Record<string, string[]> = {
    zset: ["ZCARD", key],
    list: ["LLEN", key],
    hash: ["HLEN", key],
    set: ["SCARD", key],
    string: ["GET", key],
  };
  const command = count[String(type)];
  assert.ok(command, `${key} has an unexpected Redis type ${type}`);
  return Number(await redis.command(...command));
}

/** Six digits that are not `code`. */
function wrongCode(code: string, n: number): string {
  return String((Number(code) + 111_111 * n) % 1_000_000).padStart(6, "0");
}

// rules: R-LOGIN-7, R-LOGIN-5
suiteTest(
  "security: the third wrong code voids the code, so the right one then fails",
  async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    for (let n = 1; n <= 3; n++) {
      const wrong = await publicApi.verify(phone, wrongCode(code, n));
      assert.equal(wrong.status, 401, wrong.text);
      assert.deepEqual(wrong.json, INVALID_CODE);
    }
    const right = await publicApi.verify(phone, code);
    assert.equal(right.status, 401, `the right code after 3 wrong tries must fail: ${right.text}`);
    assert.deepEqual(right.json, INVALID_CODE);
  },
);

// rules: R-LOGIN-7
suiteTest("security: two wrong codes still leave the right one usable", async () => {
  const phone = uniquePhone();
  const code = await requestCode(phone);
  for (let n = 1; n <= 2; n++) {
    assert.equal((await publicApi.verify(phone, wrongCode(code, n))).status, 401);
  }
  assert.equal((await publicApi.verify(phone, code)).status, 200);
});

// rules: R-LOGIN-8
suiteTest("security: a code only signs in the number it was sent to", async () => {
  const owner = uniquePhone();
  const code = await requestCode(owner);
  // Other numbers without a live code of their own — one that never asked, one whose code
  // was voided by three wrong tries — cannot use (or burn) the owner's code. (The test stack
  // issues the same test code to everyone, so only the phone binds a code to its user.)
  const stranger = uniquePhone();
  const bystander = uniquePhone();
  await requestCode(bystander);
  for (let n = 1; n <= 3; n++) await publicApi.verify(bystander, wrongCode(code, n));
  for (const phone of [stranger, bystander]) {
    const other = await publicApi.verify(phone, code);
    assert.equal(
      other.status,
      401,
      `${phone} must not sign in with ${owner}'s code; got ${other.status} ${other.text}`,
    );
  }
  const right = await publicApi.verify(owner, code);
  assert.equal(right.status, 200, `the owner's code still works: ${right.status} ${right.text}`);
  assert.equal(right.json.phone_number, owner);
});

// rules: R-LOGIN-6
suiteTest("security: a code works once", async () => {
  const phone = uniquePhone();
  const code = await requestCode(phone);
  assert.equal((await publicApi.verify(phone, code)).status, 200);
  const again = await publicApi.verify(phone, code);
  assert.equal(again.status, 401, again.text);
  assert.deepEqual(again.json, INVALID_CODE);
});

// rules: R-LOGIN-6, R-LOGIN-5
// tier: internal — ages the code with SQL on our auth_codes table
suiteTest("security: an expired code is refused", { needs: ["database"] }, async () => {
  const phone = uniquePhone();
  const code = await requestCode(phone);
  const sql = postgres(target.database!, { max: 1, onnotice: () => {} });
  try {
    const expired = await sql`
      UPDATE auth_codes SET expires_at = now() - interval '1 second'
      WHERE user_id = (SELECT id FROM users WHERE phone_number = ${phone}) AND NOT used
      RETURNING id`;
    assert.equal(expired.length, 1, "one live code row for the phone");
  } finally {
    await sql.end({ timeout: 1 });
  }
  const result = await publicApi.verify(phone, code);
  assert.equal(result.status, 401, result.text);
  assert.deepEqual(result.json, INVALID_CODE);
});

// rules: R-LOGIN-9
// tier: internal — reads our stored code column
suiteTest("security: the code is stored only as an HMAC, never in plain text", {
  needs: ["database"],
}, async () => {
  const phone = uniquePhone();
  const code = await requestCode(phone);
  const sql = postgres(target.database!, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ code_hash: string }[]>`
      SELECT code_hash FROM auth_codes
      WHERE user_id = (SELECT id FROM users WHERE phone_number = ${phone})`;
    assert.ok(rows.length >= 1, `an auth_codes row for ${phone}`);
    for (const row of rows) {
      assert.match(row.code_hash, /^[0-9a-f]{64}$/);
      assert.ok(!row.code_hash.includes(code), `code_hash ${row.code_hash} contains the code`);
    }
    const inMessages = await sql`SELECT id FROM messages WHERE content LIKE ${"%" + code + "%"}
      AND user_id = (SELECT id FROM users WHERE phone_number = ${phone})`;
    assert.equal(inMessages.length, 0, "the code is never stored in messages");
  } finally {
    await sql.end({ timeout: 1 });
  }
});

// rules: R-LOGIN-2, R-LOGIN-5, R-HTTP-3
suiteTest("security: garbage in the code or phone is a clean 401/422, never a 500", async () => {
  const phone = uniquePhone();
  await requestCode(phone);
  for (const code of ["' OR '1'='1", "12345", "1234567", "abcdef", "", "１２３４５６"]) {
    const result = await publicApi.verify(phone, code);
    assert.ok([401, 422].includes(result.status), `code ${JSON.stringify(code)}: ${result.status}`);
  }
  for (const bad of ["not-a-phone", "+0123", "' OR 1=1 --", "9".repeat(10_000), ""]) {
    const result = await publicApi.requestCode(bad);
    assert.equal(
      result.status,
      422,
      `phone ${bad.slice(0, 20)}: ${result.status} ${result.text.slice(0, 200)}`,
    );
    assert.ok(
      typeof (result.json as { detail?: unknown }).detail !== "undefined",
      `phone ${bad.slice(0, 20)}: {detail} expected, got ${result.text.slice(0, 200)}`,
    );
  }
});

// rules: R-RATE-1, R-RATE-3, R-RATE-4
// tier: internal — clears our Redis limit keys
suiteTest(
  "security: 10 rapid code requests give 3 × 200 then 7 × 429 until the limit keys are cleared",
  {
    needs: ["redis"],
  },
  async () => {
    const phone = uniquePhone();
    const statuses: number[] = [];
    let last429: Awaited<ReturnType<typeof publicApi.requestCode>> | null = null;
    for (let i = 0; i < 10; i++) {
      const result = await publicApi.requestCode(phone);
      statuses.push(result.status);
      if (result.status === 429) last429 = result;
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    const body = last429!.json as unknown as {
      success: boolean;
      detail: string;
      retry_after: number;
    };
    assert.equal(body.success, false);
    assert.equal(body.detail, "Too many code requests. Try again later.");
    assert.ok(body.retry_after > 0 && body.retry_after <= 3600, `retry_after ${body.retry_after}`);
    assert.equal(last429!.headers.get("retry-after"), String(body.retry_after));

    const redis = await MiniRedis.connect(target.redis!);
    try {
      const keys = await redis.scan("zapa:ratelimit:*");
      assert.ok(keys.length > 0, "rate-limit state lives under zapa:ratelimit:*");
      // Rejected requests do not count (R-RATE-3): this phone's window holds the 3
      // accepted requests only, or it would stay closed long after the oldest one expires.
      const mine = keys.filter((k) => k.includes(phone.slice(1)));
      assert.ok(
        mine.length > 0,
        `a window for ${phone} under zapa:ratelimit:*: ${keys.length} keys`,
      );
      for (const key of mine) {
        const held = await windowSize(redis, key);
        assert.equal(held, 3, `${key}: expected the 3 accepted requests, saw ${held} entries`);
      }
      await redis.deletePattern("zapa:ratelimit:*");
    } finally {
      redis.close();
    }
    const after = await publicApi.requestCode(phone);
    assert.equal(after.status, 200, `after clearing the keys: ${after.status} ${after.text}`);
  },
);

// rules: R-LOGIN-3
suiteTest("security: unknown, new and inactive numbers get the same answer", async () => {
  const active = await signIn();
  const inactive = await signIn();
  const adminApi = await admin();
  assert.equal((await adminApi.updateUser(inactive.id, { is_active: false })).status, 200);
  const phones = [active.phone, inactive.phone, uniquePhone()];
  const answers = await Promise.all(phones.map((p) => publicApi.requestCode(p)));
  answers.forEach((a, i) => {
    assert.equal(a.status, 200, `${phones[i]}: ${a.text}`);
    assert.deepEqual(a.json, {
      success: true,
      message: "Authentication code sent via WhatsApp",
      phone_number: phones[i],
    });
  });
  // An inactive user cannot log in, even with the right code (the test code, when set).
  if (target.auth_test_code) {
    const login = await publicApi.verify(inactive.phone, target.auth_test_code);
    assert.equal(login.status, 401, login.text);
  }
});

// rules: R-LOGIN-8, R-LOGIN-7
suiteTest(
  "security: a new code request voids the older code, even once the new one is voided",
  async () => {
    const phone = uniquePhone();
    const first = await requestCode(phone);
    const second = await requestCode(phone);
    // Three wrong tries void the second code; none of them may be the first code by chance.
    for (let n = 1, tries = 0; tries < 3; n++) {
      const wrong = wrongCode(second, n);
      if (wrong === first) continue;
      assert.equal((await publicApi.verify(phone, wrong)).status, 401);
      tries++;
    }
    const old = await publicApi.verify(phone, first);
    assert.equal(
      old.status,
      401,
      `the second request must have voided the first code: ${old.text}`,
    );
    assert.deepEqual(old.json, INVALID_CODE);
  },
);
