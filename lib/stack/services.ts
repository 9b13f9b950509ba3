/**
 * The launch table of the stack: which processes make up Zapa's test system, how each one is
 * started, on which port it listens, how its health is probed and how it is wired to the
 * others. Everything that boots services (native stack, compose file, CI workflow, deno.json
 * tasks) is derived from or checked against this one module, so they cannot drift apart.
 */

export const SERVICE_NAMES = ["postgres", "redis", "bridge", "llm", "private", "public"] as const;
export type ServiceName = typeof SERVICE_NAMES[number];
export type DenoServiceName = Exclude<ServiceName, "postgres" | "redis">;
export const DENO_SERVICES: readonly DenoServiceName[] = ["bridge", "llm", "private", "public"];

/** Every port a stack listens on. `control` is the harness's own service-control API. */
export interface StackPorts {
  postgres: number;
  redis: number;
  bridge: number;
  bridge_control: number;
  llm: number;
  private: number;
  public: number;
  control: number;
}
export type PortName = keyof StackPorts;

/** A port's standard value for `deno task up` (0 = any free port) and the variable that moves it. */
export const PORT_SETTINGS: Record<PortName, { standard: number; variable: string }> = {
  postgres: { standard: 0, variable: "ZAPA_POSTGRES_PORT" },
  redis: { standard: 0, variable: "ZAPA_REDIS_PORT" },
  bridge: { standard: 3000, variable: "ZAPA_BRIDGE_PORT" },
  bridge_control: { standard: 3099, variable: "ZAPA_BRIDGE_CONTROL_PORT" },
  llm: { standard: 4000, variable: "ZAPA_LLM_PORT" },
  private: { standard: 8001, variable: "ZAPA_PRIVATE_PORT" },
  public: { standard: 8002, variable: "ZAPA_PUBLIC_PORT" },
  control: { standard: 0, variable: "ZAPA_CONTROL_PORT" },
};

/** Per-run secrets of the test profile; random for every stack. */
export interface StackSecrets {
  bridge_api_key: string;
  webhook_secret: string;
  jwt: string;
  admin_jwt: string;
  encryption_key: string;
}

/** What a service needs to know about the rest of the stack. */
export interface Wiring {
  ports: StackPorts;
  secrets: StackSecrets;
  database_url: string;
  redis_url: string;
  /** Entries each bridge journal keeps (the bridge's default when absent). */
  bridge_journal_limit?: number;
}

export interface DenoServiceSpec {
  name: DenoServiceName;
  /** deno.json task that runs the service alone. */
  task: string;
  entry: string;
  /** `deno run` permission flags: the narrowest set the service works with. */
  flags: readonly string[];
  /** The port the health probe and the service-control API refer to. */
  port: PortName;
  /** The environment variable through which the service reads that port. */
  port_env: string;
  /** Name of the service in compose.test.yaml. */
  compose: string;
  health_path: string;
  env: (wiring: Wiring) => Record<string, string>;
}

export const TEST_ADMIN = { username: "admin", password: "admin123" } as const;
export const SYSTEM_NUMBER = "+1234567890";
export const SESSION_ID = "main";
export const AUTH_TEST_CODE = "123456";

const ZAPA_FLAGS = ["--allow-net", "--allow-env", "--allow-read=zapa", "--allow-sys"] as const;

/** The Zapa test profile of R-CONFIG-4, shared by both entrypoints. */
export function zapaEnv(wiring: Wiring): Record<string, string> {
  const { ports, secrets } = wiring;
  const llm = `http://127.0.0.1:${ports.llm}`;
  return {
    ZAPA_ENV: "test",
    DATABASE_URL: wiring.database_url,
    REDIS_URL: wiring.redis_url,
    PRIVATE_PORT: String(ports.private),
    PUBLIC_PORT: String(ports.public),
    WHATSAPP_API_URL: `http://127.0.0.1:${ports.bridge}`,
    WHATSAPP_API_KEY: secrets.bridge_api_key,
    WHATSAPP_SESSION_ID: SESSION_ID,
    WHATSAPP_SYSTEM_NUMBER: SYSTEM_NUMBER,
    WEBHOOK_SECRET: secrets.webhook_secret,
    ZAPA_JWT_SECRET: secrets.jwt,
    ZAPA_ADMIN_JWT_SECRET: secrets.admin_jwt,
    ZAPA_ENCRYPTION_KEY: secrets.encryption_key,
    ZAPA_AUTH_TEST_CODE: AUTH_TEST_CODE,
    OUTBOUND_RETRY_MAX_MS: "2000",
    LLM_RETRY_BASE_MS: "100",
    // Beyond the contract's test profile: a hanging provider costs 4 × 5 s, not 4 × 30 s.
    LLM_TIMEOUT_MS: "5000",
    RECOVERY_INTERVAL_MS: "1000",
    AUTH_CODE_RATE_PER_IP_HOUR: "100000",
    OPENAI_BASE_URL: `${llm}/v1`,
    ANTHROPIC_BASE_URL: llm,
    GOOGLE_BASE_URL: llm,
  };
}

/** The URL the bridge posts webhooks to: private's webhook route, secret in the query. */
export function webhookUrl(wiring: Wiring): string {
  return `http://127.0.0.1:${wiring.ports.private}/api/v1/webhooks/whatsapp?secret=` +
    encodeURIComponent(wiring.secrets.webhook_secret);
}

export const DENO_SERVICE_SPECS: Record<DenoServiceName, DenoServiceSpec> = {
  bridge: {
    name: "bridge",
    task: "bridge",
    entry: "mock_bridge/main.ts",
    flags: [
      "--allow-net",
      "--allow-env=PORT,API_KEY,WEBHOOK_*,ENABLE_WEBHOOK,MOCK_*,NODE_ENV,ZAPA_ENV",
      "--allow-read=mock_bridge",
    ],
    port: "bridge",
    port_env: "PORT",
    compose: "mock-bridge",
    health_path: "/health",
    env: (wiring) => ({
      PORT: String(wiring.ports.bridge),
      MOCK_CONTROL_PORT: String(wiring.ports.bridge_control),
      API_KEY: wiring.secrets.bridge_api_key,
      WEBHOOK_URL: webhookUrl(wiring),
      ENABLE_WEBHOOK: "true",
      MOCK_HOSTNAME: "127.0.0.1",
      MOCK_DASHBOARD_URL: `http://127.0.0.1:${wiring.ports.public}/`,
      // The settings' ZAPA_BRIDGE_JOURNAL_LIMIT; load runs size it from their plan.
      ...(wiring.bridge_journal_limit
        ? { MOCK_JOURNAL_LIMIT: String(wiring.bridge_journal_limit) }
        : {}),
    }),
  },
  llm: {
    name: "llm",
    task: "llm",
    entry: "mock_llm/main.ts",
    flags: [
      "--allow-net",
      "--allow-env=PORT,HOST,MOCK_JOURNAL_LIMIT,MOCK_LOG_REQUESTS",
      "--unstable-no-legacy-abort",
    ],
    port: "llm",
    port_env: "PORT",
    compose: "mock-llm",
    health_path: "/health",
    env: (wiring) => ({ PORT: String(wiring.ports.llm), HOST: "127.0.0.1" }),
  },
  private: {
    name: "private",
    task: "private",
    entry: "zapa/private_main.ts",
    flags: ZAPA_FLAGS,
    port: "private",
    port_env: "PRIVATE_PORT",
    compose: "zapa-private",
    health_path: "/health",
    env: zapaEnv,
  },
  public: {
    name: "public",
    task: "public",
    entry: "zapa/public_main.ts",
    flags: ZAPA_FLAGS,
    port: "public",
    port_env: "PUBLIC_PORT",
    compose: "zapa-public",
    health_path: "/health",
    env: zapaEnv,
  },
};

/** A service spec whose environment has `extra` on top of the usual one. */
export function withExtraEnv(
  spec: DenoServiceSpec,
  extra: Record<string, string>,
): DenoServiceSpec {
  return { ...spec, env: (wiring) => ({ ...spec.env(wiring), ...extra }) };
}

/**
 * The failure group's stack: Zapa's default 30 s cap on outbound retry backoff instead of the
 * test profile's 2 s. With 2 s, ordinary retries deliver right after a bridge outage and a Zapa
 * that never drains its queue on `session.connected` would pass; with 30 s only the drain can
 * deliver within the drill's deadline.
 */
export function failureSpecs(): Partial<Record<DenoServiceName, DenoServiceSpec>> {
  return {
    private: withExtraEnv(DENO_SERVICE_SPECS.private, { OUTBOUND_RETRY_MAX_MS: "30000" }),
    // The replica drills judge thousands of messages (four webhooks each) from the bridge's
    // journals; the default 10 000 entries would forget the first ones before the verdict.
    bridge: withExtraEnv(DENO_SERVICE_SPECS.bridge, { MOCK_JOURNAL_LIMIT: "200000" }),
  };
}

/**
 * The failure group's instances: two private ones behind the proxy, so the replica drills
 * (kill one, rolling restart, one queue) run; the single-instance drills stop the second.
 */
export const FAILURE_REPLICAS = { private: 2, public: 1 } as const;

/** The deno.json task command that runs one service alone, e.g. `deno task bridge`. */
export function denoTaskCommand(spec: DenoServiceSpec): string {
  return ["deno run", ...spec.flags, spec.entry].join(" ");
}

/** Compose service names of the backing stores. */
export const COMPOSE_STORES = { postgres: "postgres", redis: "redis" } as const;

/** Which compose service backs a stack service. */
export function composeName(name: ServiceName): string {
  if (name === "postgres" || name === "redis") return COMPOSE_STORES[name];
  return DENO_SERVICE_SPECS[name].compose;
}

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}
