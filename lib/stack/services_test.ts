import assert from "node:assert/strict";
import { readSettings } from "./settings.ts";
import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  denoTaskCommand,
  PORT_SETTINGS,
  SERVICE_NAMES,
  webhookUrl,
  type Wiring,
  zapaEnv,
} from "./services.ts";
import { generateSecrets } from "./secrets.ts";

const wiring: Wiring = {
  ports: {
    postgres: 5555,
    redis: 6666,
    bridge: 3000,
    bridge_control: 3099,
    llm: 4000,
    private: 8001,
    public: 8002,
    control: 7777,
  },
  secrets: generateSecrets(),
  database_url: "postgres://postgres@127.0.0.1:5555/postgres",
  redis_url: "redis://127.0.0.1:6666/0",
};

Deno.test("stack services: every deno.json service task runs exactly what the stack runs", async () => {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  for (const name of DENO_SERVICES) {
    const spec = DENO_SERVICE_SPECS[name];
    assert.equal(config.tasks?.[spec.task], denoTaskCommand(spec), `task ${spec.task}`);
  }
});

Deno.test("stack services: the harness tasks and permission sets exist in deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  for (const task of ["up", "down", "test", "ok", "test:unit", "test:failure", "test:security"]) {
    assert.ok(config.tasks?.[task], `task ${task}`);
  }
  assert.deepEqual(config.test?.include, ["tests/"]);
  assert.deepEqual(config.test?.permissions?.net, ["127.0.0.1", "localhost"]);
  assert.ok(config.test?.permissions?.env.includes("ZAPA_*"));
  assert.ok(!("run" in config.test.permissions), "suites never get --allow-run");
  assert.ok(config.permissions?.stack?.run.includes("setpriv"));
});

// rules: R-CONFIG-4
Deno.test("stack services: the test profile of R-CONFIG-4 is complete", () => {
  const env = zapaEnv(wiring);
  assert.equal(env.ZAPA_ENV, "test");
  assert.equal(env.ZAPA_AUTH_TEST_CODE, "123456");
  assert.equal(env.OUTBOUND_RETRY_MAX_MS, "2000");
  assert.equal(env.LLM_RETRY_BASE_MS, "100");
  assert.equal(env.RECOVERY_INTERVAL_MS, "1000");
  assert.equal(env.AUTH_CODE_RATE_PER_IP_HOUR, "100000");
  assert.equal(env.WHATSAPP_API_URL, "http://127.0.0.1:3000");
  assert.equal(env.WHATSAPP_API_KEY, DENO_SERVICE_SPECS.bridge.env(wiring).API_KEY);
  assert.equal(env.WHATSAPP_SESSION_ID, "main");
  assert.equal(env.WHATSAPP_SYSTEM_NUMBER, "+1234567890");
  assert.equal(env.OPENAI_BASE_URL, "http://127.0.0.1:4000/v1");
  assert.equal(env.ANTHROPIC_BASE_URL, "http://127.0.0.1:4000");
  assert.equal(env.GOOGLE_BASE_URL, "http://127.0.0.1:4000");
  assert.equal(env.DATABASE_URL, wiring.database_url);
  assert.equal(env.REDIS_URL, wiring.redis_url);
  assert.equal(env.PRIVATE_PORT, "8001");
  assert.equal(env.PUBLIC_PORT, "8002");
  assert.ok(env.ZAPA_JWT_SECRET!.length >= 32);
  assert.ok(env.ZAPA_ADMIN_JWT_SECRET!.length >= 32);
  assert.notEqual(env.ZAPA_JWT_SECRET, env.ZAPA_ADMIN_JWT_SECRET);
  const key = Uint8Array.from(atob(env.ZAPA_ENCRYPTION_KEY!), (c) => c.charCodeAt(0));
  assert.equal(key.length, 32);
});

Deno.test("stack services: the bridge posts webhooks to private with the per-run secret", () => {
  const env = DENO_SERVICE_SPECS.bridge.env(wiring);
  assert.equal(env.WEBHOOK_URL, webhookUrl(wiring));
  const url = new URL(env.WEBHOOK_URL!);
  assert.equal(url.origin, "http://127.0.0.1:8001");
  assert.equal(url.pathname, "/api/v1/webhooks/whatsapp");
  assert.equal(url.searchParams.get("secret"), zapaEnv(wiring).WEBHOOK_SECRET);
  assert.equal(env.ENABLE_WEBHOOK, "true");
  assert.equal(env.MOCK_CONTROL_PORT, "3099");
});

Deno.test("stack services: secrets are random per run", () => {
  const a = generateSecrets();
  const b = generateSecrets();
  for (const key of Object.keys(a) as (keyof typeof a)[]) assert.notEqual(a[key], b[key], key);
});

Deno.test("stack services: each service has a port with a standard value and a variable", () => {
  assert.deepEqual(
    SERVICE_NAMES.filter((name) => !(name in PORT_SETTINGS)),
    [],
  );
  assert.equal(PORT_SETTINGS.public.standard, 8002);
  assert.equal(PORT_SETTINGS.public.variable, "ZAPA_PUBLIC_PORT");
  assert.equal(PORT_SETTINGS.bridge_control.standard, 3099);
  for (const name of DENO_SERVICES) {
    const spec = DENO_SERVICE_SPECS[name];
    assert.equal(spec.env(wiring)[spec.port_env], String(wiring.ports[spec.port]), name);
  }
});

Deno.test("stack services: ZAPA_BRIDGE_JOURNAL_LIMIT sizes the bridge's journals (MOCK_JOURNAL_LIMIT)", () => {
  const env = (value?: string) => ({
    get: (name: string) => name === "ZAPA_BRIDGE_JOURNAL_LIMIT" ? value : undefined,
  });
  const bridgeEnv = (value?: string) =>
    DENO_SERVICE_SPECS.bridge.env({
      ...wiring,
      bridge_journal_limit: readSettings(env(value)).bridge_journal_limit,
    });
  assert.equal(bridgeEnv(undefined).MOCK_JOURNAL_LIMIT, undefined);
  assert.equal(bridgeEnv("411000").MOCK_JOURNAL_LIMIT, "411000");
  assert.throws(() => bridgeEnv("lots"), /must be a positive integer/);
});
