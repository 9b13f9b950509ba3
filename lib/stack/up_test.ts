import assert from "node:assert/strict";
import { banner } from "./up.ts";
import type { StackInfo } from "./stack_file.ts";

Deno.test("stack up: the banner shows every URL, the test credentials and the boot time", () => {
  const info: StackInfo = {
    target: "native",
    started_at: "2026-01-01T00:00:00.000Z",
    urls: {
      public: "http://127.0.0.1:8002",
      private: "http://127.0.0.1:8001",
      bridge: "http://127.0.0.1:3000",
      bridge_control: "http://127.0.0.1:3099",
      llm: "http://127.0.0.1:4000",
    },
    database_url: "postgres://postgres@127.0.0.1:41000/postgres",
    redis_url: "redis://127.0.0.1:42000/0",
    admin: { username: "admin", password: "admin123" },
    system_number: "+1234567890",
    control: { url: "http://127.0.0.1:43000", token: "secret-token" },
    logs: "/work/main/.zapa/logs/x",
  };
  const text = banner(info, 1.234, ".zapa/stack.json");
  for (
    const expected of [
      "in 1.23 s",
      "http://127.0.0.1:8002/",
      "http://127.0.0.1:8001/admin   (admin / admin123)",
      "http://127.0.0.1:3000/",
      "http://127.0.0.1:8002/docs",
      "http://127.0.0.1:8001/docs",
      "http://127.0.0.1:3099/__mock/",
      "http://127.0.0.1:4000",
      info.database_url,
      info.redis_url,
      "http://127.0.0.1:43000",
      info.logs,
      "Ctrl-C",
    ]
  ) assert.ok(text.includes(expected), expected);
  assert.ok(!text.includes("secret-token"), "the control token is not printed");
});
