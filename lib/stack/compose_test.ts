import assert from "node:assert/strict";
import { parse } from "yaml";
import { composeArgs, composeEnv } from "./compose.ts";
import { generateSecrets } from "./secrets.ts";
import {
  COMPOSE_STORES,
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  PORT_SETTINGS,
  type Wiring,
} from "./services.ts";
import {
  COMPOSE_INSTANCES,
  COMPOSE_PROXY_CONFIG,
  COMPOSE_REPLICAS_PROFILE,
  composeProxyConfig,
} from "./compose_replicas.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const compose: Any = parse(await Deno.readTextFile("compose.test.yaml"), { merge: true });
const dockerfile = await Deno.readTextFile("Dockerfile");

const wiring: Wiring = {
  ports: {
    postgres: 5432,
    redis: 6379,
    bridge: 3000,
    bridge_control: 3099,
    llm: 4000,
    private: 8001,
    public: 8002,
    control: 1,
  },
  secrets: generateSecrets(),
  database_url: "postgres://postgres@postgres:5432/postgres",
  redis_url: "redis://redis:6379/0",
};

/** Values that are the same in every stack (everything but hosts, ports and secrets). */
const FIXED = [
  "ZAPA_ENV",
  "WHATSAPP_SESSION_ID",
  "WHATSAPP_SYSTEM_NUMBER",
  "ZAPA_AUTH_TEST_CODE",
  "OUTBOUND_RETRY_MAX_MS",
  "LLM_RETRY_BASE_MS",
  "RECOVERY_INTERVAL_MS",
  "AUTH_CODE_RATE_PER_IP_HOUR",
  "PRIVATE_PORT",
  "PUBLIC_PORT",
  "PORT",
  "MOCK_CONTROL_PORT",
  "ENABLE_WEBHOOK",
];

Deno.test("compose file: it has the stores, the four services and the test runner", () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    "mock-bridge",
    "mock-llm",
    "postgres",
    "redis",
    "test-runner",
    "zapa-private",
    "zapa-private-2",
    "zapa-proxy",
    "zapa-public",
  ]);
  const pg = compose.services[COMPOSE_STORES.postgres];
  assert.equal(pg.image, "postgres:15");
  assert.deepEqual(pg.tmpfs, ["/var/lib/postgresql/data"]);
  assert.ok(pg.command.includes("fsync=off"));
  assert.ok(pg.healthcheck.test.includes("pg_isready"));
  const redis = compose.services[COMPOSE_STORES.redis];
  assert.equal(redis.image, "redis:7-alpine");
  assert.deepEqual(redis.command.slice(1), ["--save", "", "--appendonly", "no"]);
  assert.ok(redis.healthcheck.test.includes("ping"));
});

for (const name of DENO_SERVICES) {
  const spec = DENO_SERVICE_SPECS[name];
  Deno.test(`compose file: ${spec.compose} matches the native ${name} service`, () => {
    const service = compose.services[spec.compose];
    assert.ok(service, spec.compose);
    assert.equal(service.build.target, spec.compose);
    const { variable, standard } = PORT_SETTINGS[spec.port];
    assert.ok(
      service.ports.includes(`127.0.0.1:\${${variable}:-${standard}}:${standard}`),
      `${spec.compose} publishes ${standard} via ${variable}`,
    );
    const probe = service.healthcheck.test.join(" ");
    assert.ok(probe.includes(`http://127.0.0.1:${standard}${spec.health_path}`), probe);
    const native = spec.env(wiring);
    const env = service.environment;
    assert.deepEqual(Object.keys(native).filter((key) => !(key in env)), [], "variables missing");
    for (const key of FIXED.filter((k) => k in native)) {
      assert.equal(String(env[key]), native[key], key);
    }
    for (const [key, value] of Object.entries(env)) {
      if (/_URL$/.test(key) && key !== "DATABASE_URL" && key !== "REDIS_URL") {
        // `${VAR:-default}` reads as its default, any other variable as a placeholder.
        const resolved = String(value).replace(/\$\{[^}:]+:-([^}]*)\}/g, "$1")
          .replace(/\$\{[^}]+\}/g, "x");
        const path = new URL(resolved).pathname;
        const nativePath = new URL(native[key]!).pathname;
        assert.equal(path, nativePath, `${key} path`);
      }
    }
    if (name === "private" || name === "public") {
      for (const dep of ["postgres", "redis", "mock-bridge", "mock-llm"]) {
        assert.equal(
          service.depends_on[dep]?.condition,
          "service_healthy",
          `${spec.compose} → ${dep}`,
        );
      }
    }
  });

  Deno.test(`Dockerfile: the ${spec.compose} target runs the native flags`, () => {
    const stage = dockerfile.split(/^FROM /m).find((s) =>
      s.startsWith(`base AS ${spec.compose}\n`)
    );
    assert.ok(stage, `stage ${spec.compose}`);
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(stage)![1]!);
    assert.deepEqual(cmd, ["run", ...spec.flags, spec.entry]);
  });
}

Deno.test("compose file: the bridge key, webhook secret and bridge control port line up", () => {
  const bridge = compose.services["mock-bridge"].environment;
  const zapa = compose.services["zapa-private"].environment;
  assert.equal(bridge.API_KEY, zapa.WHATSAPP_API_KEY);
  assert.ok(bridge.WEBHOOK_URL.endsWith(`?secret=${zapa.WEBHOOK_SECRET}`));
  assert.ok(bridge.WEBHOOK_URL.startsWith("http://${ZAPA_TEST_WEBHOOK_HOST:-zapa-private}:8001/"));
  assert.ok(
    compose.services["mock-bridge"].ports.includes(
      "127.0.0.1:${ZAPA_BRIDGE_CONTROL_PORT:-3099}:3099",
    ),
  );
  const runner = compose.services["test-runner"].environment;
  assert.equal(runner.ZAPA_STACK, "external");
  assert.equal(runner.ZAPA_BRIDGE_API_KEY, bridge.API_KEY);
});

Deno.test("compose driver: variables cover every published port and secret the file uses", () => {
  const env = composeEnv(wiring.ports, wiring.secrets);
  const text = Deno.readTextFileSync("compose.test.yaml");
  const used = new Set([...text.matchAll(/\$\{([A-Z_]+):-/g)].map((m) => m[1]!));
  assert.deepEqual([...used].filter((name) => !(name in env)), []);
  assert.equal(env.ZAPA_PUBLIC_PORT, "8002");
});

Deno.test("compose driver: docker compose arguments", () => {
  const p = ["compose", "-f", "compose.test.yaml", "-p", "zapa-test-1"];
  assert.deepEqual(composeArgs("zapa-test-1", { action: "up" }), [
    ...p,
    "up",
    "--detach",
    "--wait",
    "--build",
  ]);
  assert.deepEqual(composeArgs("zapa-test-1", { action: "down" }), [
    ...p,
    "down",
    "--volumes",
    "--remove-orphans",
  ]);
  assert.deepEqual(composeArgs("zapa-test-1", { action: "stop", service: "private" }), [
    ...p,
    "stop",
    "--timeout",
    "5",
    "zapa-private",
  ]);
  assert.deepEqual(composeArgs("zapa-test-1", { action: "start", service: "postgres" }), [
    ...p,
    "start",
    "postgres",
  ]);
  assert.deepEqual(composeArgs("zapa-test-1", { action: "kill", service: "bridge" }), [
    ...p,
    "kill",
    "--signal",
    "SIGKILL",
    "mock-bridge",
  ]);
  assert.deepEqual(composeArgs("zapa-test-1", { action: "logs", service: "llm", lines: 40 }), [
    ...p,
    "logs",
    "--no-color",
    "--tail",
    "40",
    "mock-llm",
  ]);
});

Deno.test("compose file: the replicas profile runs a second private instance behind HAProxy with the native proxy configuration", async () => {
  const first = compose.services["zapa-private"];
  const second = compose.services[COMPOSE_INSTANCES["private#2"]!];
  const proxy = compose.services[COMPOSE_INSTANCES.proxy!];
  assert.deepEqual(second.profiles, [COMPOSE_REPLICAS_PROFILE]);
  assert.deepEqual(proxy.profiles, [COMPOSE_REPLICAS_PROFILE]);
  assert.equal(first.profiles, undefined, "the first instance always runs");
  assert.deepEqual(second.build, first.build);
  assert.deepEqual(second.environment, first.environment);
  assert.deepEqual(second.depends_on, first.depends_on);
  assert.equal(second.environment.SHUTDOWN_DRAIN_MS, "${ZAPA_TEST_DRAIN_MS:-0}");
  assert.ok(proxy.image.startsWith("haproxy:"), proxy.image);
  assert.ok(proxy.volumes.some((v: string) => v.startsWith(`./${COMPOSE_PROXY_CONFIG}:`)));
  assert.equal(proxy.depends_on["zapa-private"].condition, "service_healthy");
  assert.equal(proxy.depends_on["zapa-private-2"].condition, "service_healthy");
  assert.equal(
    await Deno.readTextFile(COMPOSE_PROXY_CONFIG),
    composeProxyConfig(),
    `${COMPOSE_PROXY_CONFIG} is what lib/stack/compose_replicas.ts generates`,
  );
  const webhook = compose.services["mock-bridge"].environment.WEBHOOK_URL;
  assert.ok(webhook.startsWith("http://${ZAPA_TEST_WEBHOOK_HOST:-zapa-private}:8001/"), webhook);
});
