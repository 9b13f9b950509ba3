/** `up --doubles-only`: what a foreign Zapa is told to be configured with. */
import assert from "node:assert/strict";
import { DOUBLES, doublesBanner, doublesInfo } from "./doubles.ts";

// rules: R-HARNESS-4
Deno.test("doubles: --doubles-only boots the stores and both doubles, and prints the test profile a foreign Zapa needs", () => {
  assert.deepEqual([...DOUBLES], ["postgres", "redis", "bridge", "llm"]);
  const info = doublesInfo({
    ports: {
      postgres: 5432,
      redis: 6379,
      bridge: 23000,
      bridge_control: 23001,
      llm: 23002,
      private: 23003,
      public: 23004,
      control: 0,
    },
    secrets: {
      bridge_api_key: "key-1",
      webhook_secret: "hook s3cret",
      jwt: "j",
      admin_jwt: "a",
      encryption_key: "e",
    },
    database_url: "postgres://postgres@127.0.0.1:5432/postgres",
    redis_url: "redis://127.0.0.1:6379/0",
  });
  assert.equal(
    info.webhook_url,
    "http://127.0.0.1:23003/api/v1/webhooks/whatsapp?secret=hook%20s3cret",
  );
  assert.equal(info.zapa_env.WHATSAPP_API_URL, "http://127.0.0.1:23000");
  assert.equal(info.zapa_env.WHATSAPP_API_KEY, "key-1");
  assert.equal(info.zapa_env.OPENAI_BASE_URL, "http://127.0.0.1:23002/v1");
  assert.equal(info.zapa_env.DATABASE_URL, info.database_url);
  const text = doublesBanner(info, ".zapa/doubles.json", 1.5);
  for (
    const line of [
      "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres",
      "  REDIS_URL=redis://127.0.0.1:6379/0",
      "  WEBHOOK_SECRET=hook s3cret",
      "  ANTHROPIC_BASE_URL=http://127.0.0.1:23002",
      `  ${info.webhook_url}`,
    ]
  ) assert.ok(text.split("\n").includes(line), `banner lacks ${line}\n${text}`);
  assert.match(text, /curl -X POST http:\/\/127\.0\.0\.1:23001\/__mock\/webhook/);
});
