import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const BASE = {
  DATABASE_URL: "postgres://localhost/zapa",
  REDIS_URL: "redis://localhost:6379",
  ZAPA_JWT_SECRET: "u".repeat(32),
  ZAPA_ADMIN_JWT_SECRET: "a".repeat(32),
  ZAPA_ENCRYPTION_KEY: KEY,
  ZAPA_ADMIN_USERNAME: "root",
  ZAPA_ADMIN_PASSWORD_HASH: "$2b$10$abcdefghijklmnopqrstuuJ1u5r2Yw5G5y6v5dYQ9q6yH1lq2mX0e",
};

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail("expected startup to be refused");
}

// rules: R-CONFIG-4
Deno.test("config: the documented defaults apply", () => {
  const config = loadConfig(BASE);
  assert.equal(config.env, "production");
  assert.equal(config.privatePort, 8001);
  assert.equal(config.publicPort, 8002);
  assert.equal(config.whatsapp.apiUrl, "http://localhost:3000");
  assert.equal(config.whatsapp.sessionId, "main");
  assert.equal(config.whatsapp.systemNumber, "+1234567890");
  assert.equal(config.outbound.retryBaseMs, 500);
  assert.equal(config.outbound.retryMaxMs, 30_000);
  assert.equal(config.recoveryIntervalMs, 5_000);
  assert.equal(config.leaseMs, 60_000);
  assert.equal(config.agent.contextMessages, 20);
  assert.equal(config.agent.concurrency, 10);
  assert.equal(config.auth.ratePerHour, 3);
  assert.equal(config.auth.ratePerIpHour, 30);
  assert.equal(config.auth.codeTtlSeconds, 300);
  assert.equal(config.llm.retryAttempts, 3);
  assert.equal(config.llm.timeoutMs, 30_000);
});

// rules: R-CONFIG-4
Deno.test("config: the test profile is read as written", () => {
  const config = loadConfig({
    ...BASE,
    ZAPA_ENV: "test",
    ZAPA_AUTH_TEST_CODE: "123456",
    OUTBOUND_RETRY_MAX_MS: "2000",
    LLM_RETRY_BASE_MS: "100",
    RECOVERY_INTERVAL_MS: "1000",
    AUTH_CODE_RATE_PER_IP_HOUR: "100000",
  });
  assert.equal(config.auth.testCode, "123456");
  assert.equal(config.outbound.retryMaxMs, 2000);
  assert.equal(config.llm.retryBaseMs, 100);
  assert.equal(config.recoveryIntervalMs, 1000);
  assert.equal(config.auth.ratePerIpHour, 100_000);
  assert.equal(config.leaseMs, 10_000);
});

// rules: R-CONFIG-3
Deno.test("config: outside production the admin defaults to admin/admin123", () => {
  const { ZAPA_ADMIN_USERNAME: _u, ZAPA_ADMIN_PASSWORD_HASH: _h, ...rest } = BASE;
  const config = loadConfig({ ...rest, ZAPA_ENV: "development" });
  assert.equal(config.admin.username, "admin");
  assert.equal(config.admin.plainPassword, "admin123");
});

const refusals: Array<[string, Record<string, string>, RegExp]> = [
  ["a test code in production", { ...BASE, ZAPA_AUTH_TEST_CODE: "123456" }, /TEST_CODE/],
  ["a missing admin hash in production", { ...BASE, ZAPA_ADMIN_PASSWORD_HASH: "" }, /ADMIN/],
  ["a short JWT secret", { ...BASE, ZAPA_JWT_SECRET: "short" }, /ZAPA_JWT_SECRET/],
  ["a missing admin JWT secret", { ...BASE, ZAPA_ADMIN_JWT_SECRET: "" }, /ZAPA_ADMIN_JWT_SECRET/],
  ["equal secrets", { ...BASE, ZAPA_ADMIN_JWT_SECRET: BASE.ZAPA_JWT_SECRET }, /must differ/],
  ["a 16-byte encryption key", {
    ...BASE,
    ZAPA_ENCRYPTION_KEY: btoa("x".repeat(16)),
  }, /ZAPA_ENCRYPTION_KEY/],
  ["a missing database URL", { ...BASE, DATABASE_URL: "" }, /DATABASE_URL/],
  ["a non-numeric port", { ...BASE, PUBLIC_PORT: "http" }, /PUBLIC_PORT/],
];
for (const [what, env, pattern] of refusals) {
  // rules: R-CONFIG-2, R-CONFIG-3
  Deno.test(`config: startup is refused for ${what}`, () => {
    assert.match(refusal(env), pattern);
  });
}

// rules: R-CONFIG-2
Deno.test("config: a short secret is refused in every environment", () => {
  for (const env of ["development", "test"]) {
    assert.match(refusal({ ...BASE, ZAPA_ENV: env, ZAPA_JWT_SECRET: "x" }), /ZAPA_JWT_SECRET/);
  }
});
