import assert from "node:assert/strict";
import { missingNeeds, resolveTarget } from "./target_core.ts";
import type { StackInfo } from "./stack_file.ts";

const info: StackInfo = {
  target: "native",
  started_at: "2026-01-01T00:00:00.000Z",
  pid: 1,
  urls: {
    public: "http://127.0.0.1:8002",
    private: "http://127.0.0.1:8001/",
    bridge: "http://127.0.0.1:3000",
    bridge_control: "http://127.0.0.1:3099",
    llm: "http://127.0.0.1:4000",
  },
  database_url: "postgres://postgres@127.0.0.1:5432/postgres",
  redis_url: "redis://127.0.0.1:6379/0",
  admin: { username: "admin", password: "admin123" },
  system_number: "+1234567890",
  control: { url: "http://127.0.0.1:9999", token: "t" },
  logs: "/tmp/logs",
  secrets: { jwt: "j".repeat(40), admin_jwt: "a".repeat(40) },
  bridge_api_key: "k",
  webhook_secret: "w",
  auth_test_code: "123456",
};

function env(vars: Record<string, string>) {
  return { get: (name: string) => vars[name] };
}

// rules: R-HARNESS-1
Deno.test("target: a stack file gives URLs, stores, control and secrets", () => {
  const read = (path: string) => path === ".zapa/stack.json" ? JSON.stringify(info) : null;
  const target = resolveTarget(env({}), read);
  assert.equal(target.kind, "native");
  assert.equal(target.urls.private, "http://127.0.0.1:8001");
  assert.equal(target.database, info.database_url);
  assert.equal(target.control?.url, "http://127.0.0.1:9999");
  assert.equal(target.secrets?.jwt, "j".repeat(40));
  assert.deepEqual(missingNeeds(target, ["database", "redis", "control", "secrets", "native"]), []);
});

Deno.test("target: ZAPA_STACK_FILE selects another stack file", () => {
  const read = (path: string) =>
    path === "/x/s.json" ? JSON.stringify({ ...info, target: "compose" }) : null;
  assert.equal(resolveTarget(env({ ZAPA_STACK_FILE: "/x/s.json" }), read).kind, "compose");
});

Deno.test("target: without a stack the error says how to get one", () => {
  assert.throws(() => resolveTarget(env({}), () => null), /deno task up/);
  assert.throws(() => resolveTarget(env({ ZAPA_STACK: "bogus" }), () => null), /ZAPA_STACK=bogus/);
  assert.throws(() => resolveTarget(env({}), () => "{}"), /lacks urls/);
});

// rules: R-HARNESS-3
Deno.test("target: external needs the four URLs and lacks what it is not given", () => {
  assert.throws(
    () => resolveTarget(env({ ZAPA_STACK: "external", ZAPA_PUBLIC_URL: "http://z" }), () => null),
    /ZAPA_PRIVATE_URL, ZAPA_BRIDGE_URL, ZAPA_LLM_URL/,
  );
  const target = resolveTarget(
    env({
      ZAPA_STACK: "external",
      ZAPA_PUBLIC_URL: "https://zapa.example/",
      ZAPA_PRIVATE_URL: "https://admin.zapa.example",
      ZAPA_BRIDGE_URL: "https://bridge.example",
      ZAPA_LLM_URL: "https://llm.example",
      ZAPA_DATABASE_URL: "postgres://db.example/zapa",
    }),
    () => null,
  );
  assert.equal(target.kind, "external");
  assert.equal(target.urls.public, "https://zapa.example");
  assert.equal(target.urls.bridge_control, "https://bridge.example");
  // Direct store access serves only implementation checks: off unless ZAPA_CHECK_INTERNALS=1.
  assert.equal(target.database, null);
  assert.equal(target.redis, null);
  assert.equal(target.control, null);
  const reasons = missingNeeds(target, ["database", "redis", "control"]);
  assert.equal(reasons.length, 3);
  assert.match(reasons[1]!, /ZAPA_REDIS_URL/);
  assert.match(reasons[2]!, /service control/);
});

// rules: R-HARNESS-4
Deno.test("target: external assumes none of our defaults — admin, system number and session id come from settings", () => {
  const base = {
    ZAPA_STACK: "external",
    ZAPA_PUBLIC_URL: "http://z",
    ZAPA_PRIVATE_URL: "http://z",
    ZAPA_BRIDGE_URL: "http://b",
    ZAPA_LLM_URL: "http://l",
  };
  const bare = resolveTarget(env(base), () => null);
  assert.throws(() => bare.admin.username, /set ZAPA_ADMIN_USERNAME/);
  assert.throws(() => bare.admin.password, /set ZAPA_ADMIN_PASSWORD/);
  assert.throws(() => bare.system_number, /set ZAPA_SYSTEM_NUMBER/);
  assert.throws(() => bare.session_id, /set ZAPA_SESSION_ID/);
  const told = resolveTarget(
    env({
      ...base,
      ZAPA_ADMIN_USERNAME: "root",
      ZAPA_ADMIN_PASSWORD: "pw",
      ZAPA_SYSTEM_NUMBER: "+15550000000",
      ZAPA_SESSION_ID: "s1",
      ZAPA_CHECK_INTERNALS: "1",
      ZAPA_DATABASE_URL: "postgres://db/zapa",
    }),
    () => null,
  );
  assert.deepEqual([told.admin.username, told.admin.password], ["root", "pw"]);
  assert.deepEqual([told.system_number, told.session_id], ["+15550000000", "s1"]);
  assert.equal(told.database, "postgres://db/zapa");
});
