import assert from "node:assert/strict";
import { codeMessage, generateCode, hashCode } from "./codes.ts";

// rules: R-LOGIN-9
Deno.test("auth codes: always six digits, leading zeros kept", () => {
  for (let i = 0; i < 20_000; i++) assert.match(generateCode(), /^\d{6}$/);
  assert.equal(generateCode((b) => (b[0] = 42, b)), "000042");
});

// rules: R-LOGIN-9
Deno.test("auth codes: digits are uniform in every position (chi-square, 9 d.o.f.)", () => {
  const n = 100_000;
  const counts = Array.from({ length: 6 }, () => new Array(10).fill(0));
  const firstHalf = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const code = generateCode();
    for (let p = 0; p < 6; p++) counts[p]![Number(code[p])]++;
    firstHalf[Math.floor(Number(code) / 100_000)]++;
  }
  // Critical value for 9 degrees of freedom at p = 0.0001 is 33.7: a biased generator (e.g.
  // plain modulo of a byte) lands in the thousands, a fair one almost never above it.
  const expected = n / 10;
  for (const row of [...counts, firstHalf]) {
    const chi = row.reduce((s: number, c: number) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chi < 33.7, `chi-square ${chi.toFixed(1)} for ${row.join(",")}`);
  }
});

// rules: R-LOGIN-9
Deno.test("auth codes: values in the biased tail are redrawn (rejection sampling)", () => {
  const limit = Math.floor(2 ** 32 / 1_000_000) * 1_000_000;
  const draws = [2 ** 32 - 1, limit, limit + 5, 1_234_567];
  let calls = 0;
  const code = generateCode((b) => {
    b[0] = draws[calls++]!;
    return b;
  });
  assert.equal(calls, 4);
  assert.equal(code, "234567");
});

// rules: R-LOGIN-9
Deno.test("auth codes: stored hash is the hex HMAC-SHA256 keyed with the secret", async () => {
  const secret = "s".repeat(32);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("123456")),
  );
  const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(await hashCode(secret, "123456"), hex);
  assert.notEqual(await hashCode("t".repeat(32), "123456"), hex);
  assert.notEqual(await hashCode(secret, "123457"), hex);
});

// rules: R-LOGIN-1
Deno.test("auth codes: the WhatsApp text follows the contract", () => {
  assert.equal(
    codeMessage("123456", 300),
    "Your Zapa login code is 123456. It expires in 5 minutes. Do not share it.",
  );
  assert.equal(
    codeMessage("000001", 60),
    "Your Zapa login code is 000001. It expires in 1 minute. Do not share it.",
  );
});
