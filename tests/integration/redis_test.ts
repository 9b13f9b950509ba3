/**
 * Integration, the Redis contract (R-DATA-5, R-RATE-4): rate-limit state lives under
 * `zapa:ratelimit:*` (the only binding key names), expires with its window, and deleting those
 * keys resets the limit. Only this test's own keys (they name its phone) are deleted, never
 * the whole prefix: the security suite counts its own limits on the same stack.
 */
import assert from "node:assert/strict";
import { MiniRedis } from "../../lib/clients/redis_resp.ts";
import { publicApi, uniquePhone } from "../../lib/fixtures.ts";
import { logTail, suiteTest, target } from "../../lib/target.ts";

const PER_PHONE = 3;

// rules: R-RATE-4, R-DATA-5
// tier: internal — our Redis key names (zapa:ratelimit:*)
suiteTest(
  "integration: code-request limits live under zapa:ratelimit:* and deleting them resets the limit",
  { needs: ["redis"] },
  async () => {
    const phone = uniquePhone();
    const digits = phone.slice(1);
    const redis = await MiniRedis.connect(target.redis!);
    try {
      for (let i = 1; i <= PER_PHONE; i++) {
        const r = await publicApi.requestCode(phone);
        assert.equal(r.status, 200, `request ${i}: ${r.text}`);
      }
      const limited = await publicApi.requestCode(phone);
      assert.equal(limited.status, 429, `request ${PER_PHONE + 1}: ${limited.text}`);
      assert.ok(limited.headers.get("retry-after"), "Retry-After is set");

      const all = await redis.scan("zapa:ratelimit:*");
      const mine = all.filter((key) => key.includes(digits));
      assert.ok(
        mine.length > 0,
        `a zapa:ratelimit:* key names ${phone}; keys seen: ${
          all.slice(0, 20).join(", ")
        }\n${await logTail(
          ["public"],
        )}`,
      );
      for (const key of mine) {
        const ttl = Number(await redis.command("PTTL", key));
        assert.ok(ttl > 0 && ttl <= 3_600_000, `${key} expires within the hour (PTTL ${ttl})`);
      }
      // Nothing of the limiter outside the binding prefix names this phone.
      const outside = (await redis.scan("zapa:*")).filter((key) =>
        key.includes(digits) && !key.startsWith("zapa:ratelimit:")
      );
      assert.deepEqual(outside.filter((k) => /rate|limit/i.test(k)), []);

      for (const key of mine) await redis.command("DEL", key);
      const again = await publicApi.requestCode(phone);
      assert.equal(again.status, 200, `after deleting ${mine.join(", ")}: ${again.text}`);
    } finally {
      redis.close();
    }
  },
);
