import assert from "node:assert/strict";
import { DEFAULT_CONFIG, loadConfig } from "./config.ts";

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

// rules: R-BRIDGE-3, R-BRIDGE-5, R-BRIDGE-7
Deno.test("mock bridge config: defaults follow R-BRIDGE-*", () => {
  const c = loadConfig(envOf({}));
  assert.deepEqual(c, { ...DEFAULT_CONFIG });
  assert.equal(c.port, 3000);
  assert.equal(c.controlPort, 3099);
  assert.equal(c.enableWebhook, true);
  assert.equal(c.sessionId, "main");
  assert.equal(c.phoneNumber, "1234567890");
  assert.deepEqual([c.sentDelayMs, c.deliveredDelayMs, c.readDelayMs, c.connectDelayMs], [
    50,
    300,
    1000,
    2000,
  ]);
  assert.equal(c.journalLimit, 10_000);
  assert.equal(c.production, false);
});

Deno.test("mock bridge config: every variable is read", () => {
  const c = loadConfig(envOf({
    PORT: "4100",
    MOCK_CONTROL_PORT: "4199",
    API_KEY: "key",
    WEBHOOK_URL: "http://z:8001/hook?secret=s",
    ENABLE_WEBHOOK: "false",
    WEBHOOK_RETRY_ATTEMPTS: "5",
    WEBHOOK_RETRY_DELAY: "250",
    MOCK_SESSION_ID: "sys",
    MOCK_PHONE_NUMBER: "+1 999 555 0000",
    MOCK_AUTO_CONNECT: "0",
    MOCK_CONNECT_DELAY_MS: "-1",
    MOCK_SENT_DELAY_MS: "-1",
    MOCK_DELIVERED_DELAY_MS: "10",
    MOCK_READ_DELAY_MS: "20",
    MOCK_JOURNAL_LIMIT: "50",
    ZAPA_ENV: "production",
  }));
  assert.equal(c.port, 4100);
  assert.equal(c.controlPort, 4199);
  assert.equal(c.apiKey, "key");
  assert.equal(c.webhookUrl, "http://z:8001/hook?secret=s");
  assert.equal(c.enableWebhook, false);
  assert.equal(c.webhookRetryAttempts, 5);
  assert.equal(c.webhookRetryDelayMs, 250);
  assert.equal(c.sessionId, "sys");
  assert.equal(c.phoneNumber, "19995550000");
  assert.equal(c.autoConnect, false);
  assert.deepEqual([c.connectDelayMs, c.sentDelayMs, c.deliveredDelayMs, c.readDelayMs], [
    -1,
    -1,
    10,
    20,
  ]);
  assert.equal(c.journalLimit, 50);
  assert.equal(c.production, true);
});

Deno.test("mock bridge config: bad numbers fall back to defaults; NODE_ENV=production also counts", () => {
  const c = loadConfig(
    envOf({
      PORT: "abc",
      WEBHOOK_RETRY_ATTEMPTS: "0",
      MOCK_JOURNAL_LIMIT: "-3",
      NODE_ENV: "production",
      API_KEY: "  ",
    }),
  );
  assert.equal(c.port, 3000);
  assert.equal(c.webhookRetryAttempts, 1);
  assert.equal(c.journalLimit, 1);
  assert.equal(c.production, true);
  assert.equal(c.apiKey, undefined);
});
