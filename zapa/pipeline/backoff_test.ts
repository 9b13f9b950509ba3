import assert from "node:assert/strict";
import { retryDelay } from "./backoff.ts";

const settings = { baseMs: 500, maxMs: 30_000 };

// rules: R-DELIVERY-2
Deno.test("backoff: doubles from the base and is capped at the maximum", () => {
  const none = () => 0;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((a) => retryDelay(a, settings, none)),
    [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000],
  );
  assert.equal(retryDelay(1_000, settings, none), 30_000);
  assert.equal(retryDelay(0, settings, none), 500);
});

// rules: R-DELIVERY-2
Deno.test("backoff: jitter adds at most 10 %", () => {
  assert.equal(retryDelay(1, settings, () => 0.999999), 550);
  for (let i = 0; i < 200; i++) {
    const d = retryDelay(3, { baseMs: 100, maxMs: 2_000 });
    assert.ok(d >= 400 && d <= 440, `delay ${d}`);
  }
});
