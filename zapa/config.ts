/**
 * Every Zapa setting, read once from the environment and validated (R-CONFIG-*).
 *
 * Nothing else in `zapa/` reads `Deno.env`: entrypoints call `loadConfig()` once and pass the
 * result down. Startup is refused (a `ConfigError`) when a secret is missing or short, the
 * encryption key is not 32 bytes, or — in production — a test code is set or an admin
 * credential is missing.
 */

export type ZapaEnv = "production" | "development" | "test";
export type Provider = "openai" | "anthropic" | "google";

export interface Config {
  env: ZapaEnv;
  version: string;
  privatePort: number;
  publicPort: number;
  /**
   * SHUTDOWN_DRAIN_MS (0): after SIGTERM, how long an instance keeps serving while `/ready`
   * answers 503, so that a proxy's health checks move traffic away before the port closes.
   * Behind a proxy, set it above the proxy's detection time (checks × interval).
   */
  shutdownDrainMs: number;
  databaseUrl: string;
  redisUrl: string;
  whatsapp: { apiUrl: string; apiKey: string | null; sessionId: string; systemNumber: string };
  webhookSecret: string | null;
  jwtSecret: string;
  adminJwtSecret: string;
  /** Raw 32-byte AES key used to encrypt; old keys decrypt only. */
  encryptionKey: Uint8Array;
  encryptionKeysOld: Uint8Array[];
  admin: { username: string; passwordHash: string | null; plainPassword: string | null };
  trustProxy: boolean;
  metricsToken: string | null;
  corsOrigins: string[];
  llm: {
    baseUrls: Record<Provider, string | null>;
    timeoutMs: number;
    retryAttempts: number;
    retryBaseMs: number;
    default: { provider: Provider; apiKey: string; model: string | null } | null;
  };
  agent: { contextMessages: number; maxToolRounds: number; concurrency: number };
  outbound: {
    retryBaseMs: number;
    retryMaxMs: number;
    maxAgeSeconds: number;
    sendTimeoutMs: number;
    permanentFailureAttempts: number;
  };
  recoveryIntervalMs: number;
  leaseMs: number;
  auth: {
    testCode: string | null;
    codeTtlSeconds: number;
    ratePerHour: number;
    ratePerIpHour: number;
    userTokenTtlSeconds: number;
    adminTokenTtlSeconds: number;
  };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const VERSION = "1.0.0";

type Env = Record<string, string | undefined>;

/** Reads and validates the whole configuration; throws `ConfigError` listing every problem. */
export function loadConfig(env: Env = Deno.env.toObject()): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const zapaEnv = read.oneOf("ZAPA_ENV", ["production", "development", "test"], "production");
  const production = zapaEnv === "production";
  const test = zapaEnv === "test";

  const jwtSecret = read.secret("ZAPA_JWT_SECRET");
  const adminJwtSecret = read.secret("ZAPA_ADMIN_JWT_SECRET");
  if (jwtSecret && adminJwtSecret && jwtSecret === adminJwtSecret) {
    problems.push("ZAPA_JWT_SECRET and ZAPA_ADMIN_JWT_SECRET must differ");
  }
  const encryptionKey = read.aesKey("ZAPA_ENCRYPTION_KEY", true) ?? new Uint8Array(32);
  const encryptionKeysOld = (env.ZAPA_ENCRYPTION_KEYS_OLD ?? "").split(",").map((s) => s.trim())
    .filter(Boolean).map((value, i) =>
      decodeAesKey(`ZAPA_ENCRYPTION_KEYS_OLD[${i}]`, value, problems)
    )
    .filter((k): k is Uint8Array => k !== null);

  const testCode = env.ZAPA_AUTH_TEST_CODE?.trim() || null;
  if (testCode !== null && production) {
    problems.push("ZAPA_AUTH_TEST_CODE must not be set in production");
  }
  if (testCode !== null && !/^\d{6}$/.test(testCode)) {
    problems.push("ZAPA_AUTH_TEST_CODE must be six digits");
  }

  const adminUsername = env.ZAPA_ADMIN_USERNAME?.trim() || (production ? null : "admin");
  const adminHash = env.ZAPA_ADMIN_PASSWORD_HASH?.trim() || null;
  if (production && (!adminUsername || !adminHash)) {
    problems.push("ZAPA_ADMIN_USERNAME and ZAPA_ADMIN_PASSWORD_HASH are required in production");
  }
  if (adminHash && !/^\$2[aby]\$\d\d\$/.test(adminHash)) {
    problems.push("ZAPA_ADMIN_PASSWORD_HASH must be a bcrypt hash");
  }

  const defaultProvider = env.ZAPA_DEFAULT_LLM_PROVIDER?.trim() || null;
  const defaultKey = env.ZAPA_DEFAULT_LLM_API_KEY?.trim() || null;
  let llmDefault: Config["llm"]["default"] = null;
  if (defaultProvider && defaultKey) {
    if (!isProvider(defaultProvider)) {
      problems.push("ZAPA_DEFAULT_LLM_PROVIDER must be openai, anthropic or google");
    } else {
      llmDefault = {
        provider: defaultProvider,
        apiKey: defaultKey,
        model: env.ZAPA_DEFAULT_LLM_MODEL?.trim() || null,
      };
    }
  }

  const config: Config = {
    env: zapaEnv,
    version: VERSION,
    privatePort: read.int("PRIVATE_PORT", 8001, { min: 0, max: 65535 }),
    publicPort: read.int("PUBLIC_PORT", 8002, { min: 0, max: 65535 }),
    shutdownDrainMs: read.int("SHUTDOWN_DRAIN_MS", 0, { min: 0, max: 60_000 }),
    databaseUrl: read.required("DATABASE_URL"),
    redisUrl: read.required("REDIS_URL"),
    whatsapp: {
      apiUrl: (env.WHATSAPP_API_URL?.trim() || "http://localhost:3000").replace(/\/+$/, ""),
      apiKey: env.WHATSAPP_API_KEY?.trim() || null,
      sessionId: env.WHATSAPP_SESSION_ID?.trim() || "main",
      systemNumber: read.phone("WHATSAPP_SYSTEM_NUMBER", "+1234567890"),
    },
    webhookSecret: env.WEBHOOK_SECRET?.trim() || null,
    jwtSecret: jwtSecret ?? "",
    adminJwtSecret: adminJwtSecret ?? "",
    encryptionKey,
    encryptionKeysOld,
    admin: {
      username: adminUsername ?? "",
      passwordHash: adminHash,
      // Outside production, with no hash configured, the documented default password applies.
      plainPassword: adminHash || production ? null : "admin123",
    },
    trustProxy: read.bool("TRUST_PROXY", false),
    metricsToken: env.METRICS_TOKEN?.trim() || null,
    corsOrigins: (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    llm: {
      baseUrls: {
        openai: env.OPENAI_BASE_URL?.trim() || null,
        anthropic: env.ANTHROPIC_BASE_URL?.trim() || null,
        google: env.GOOGLE_BASE_URL?.trim() || null,
      },
      timeoutMs: read.int("LLM_TIMEOUT_MS", 30_000, { min: 1 }),
      retryAttempts: read.int("LLM_RETRY_ATTEMPTS", 3, { min: 0, max: 10 }),
      retryBaseMs: read.int("LLM_RETRY_BASE_MS", 1_000, { min: 0 }),
      default: llmDefault,
    },
    agent: {
      contextMessages: read.int("AGENT_CONTEXT_MESSAGES", 20, { min: 0, max: 200 }),
      maxToolRounds: read.int("AGENT_MAX_TOOL_ROUNDS", 5, { min: 0, max: 20 }),
      concurrency: read.int("AGENT_CONCURRENCY", 10, { min: 1, max: 1000 }),
    },
    outbound: {
      retryBaseMs: read.int("OUTBOUND_RETRY_BASE_MS", 500, { min: 1 }),
      retryMaxMs: read.int("OUTBOUND_RETRY_MAX_MS", 30_000, { min: 1 }),
      maxAgeSeconds: read.int("OUTBOUND_MAX_AGE", 86_400, { min: 1 }),
      sendTimeoutMs: read.int("OUTBOUND_SEND_TIMEOUT_MS", 10_000, { min: 1 }),
      permanentFailureAttempts: 3,
    },
    recoveryIntervalMs: read.int("RECOVERY_INTERVAL_MS", 5_000, { min: 50 }),
    leaseMs: read.int("LEASE_MS", test ? 10_000 : 60_000, { min: 100 }),
    auth: {
      testCode: production ? null : testCode,
      codeTtlSeconds: read.int("AUTH_CODE_TTL_SECONDS", 300, { min: 1 }),
      ratePerHour: read.int("AUTH_CODE_RATE_PER_HOUR", 3, { min: 1 }),
      ratePerIpHour: read.int("AUTH_CODE_RATE_PER_IP_HOUR", 30, { min: 1 }),
      userTokenTtlSeconds: 86_400,
      adminTokenTtlSeconds: 28_800,
    },
  };
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n- ${problems.join("\n- ")}`);
  }
  return config;
}

export function isProvider(value: string): value is Provider {
  return value === "openai" || value === "anthropic" || value === "google";
}

class Reader {
  constructor(private env: Env, private problems: string[]) {}

  required(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) this.problems.push(`${name} is required`);
    return value ?? "";
  }

  secret(name: string): string | null {
    const value = this.env[name];
    if (!value) {
      this.problems.push(`${name} is required (at least 32 bytes)`);
      return null;
    }
    if (new TextEncoder().encode(value).length < 32) {
      this.problems.push(`${name} must be at least 32 bytes`);
      return null;
    }
    return value;
  }

  aesKey(name: string, required: boolean): Uint8Array | null {
    const value = this.env[name]?.trim();
    if (!value) {
      if (required) this.problems.push(`${name} is required (base64 of 32 bytes)`);
      return null;
    }
    return decodeAesKey(name, value, this.problems);
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (
      !Number.isInteger(value) || (range.min !== undefined && value < range.min) ||
      (range.max !== undefined && value > range.max)
    ) {
      this.problems.push(
        `${name} must be an integer${rangeText(range)}, got ${JSON.stringify(raw)}`,
      );
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${values.join(", ")}`);
    return fallback;
  }

  phone(name: string, fallback: string): string {
    const raw = this.env[name]?.trim() || fallback;
    const digits = raw.replace(/[\s\-().]/g, "");
    const value = digits.startsWith("+") ? digits : `+${digits}`;
    if (!/^\+[1-9]\d{6,14}$/.test(value)) this.problems.push(`${name} must be an E.164 number`);
    return value;
  }
}

function decodeAesKey(name: string, value: string, problems: string[]): Uint8Array | null {
  try {
    const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    if (bytes.length === 32) return bytes;
  } catch {
    // fall through to the problem below
  }
  problems.push(`${name} must be base64 of exactly 32 bytes`);
  return null;
}

function rangeText(range: { min?: number; max?: number }): string {
  if (range.min !== undefined && range.max !== undefined) return ` in ${range.min}..${range.max}`;
  if (range.min !== undefined) return ` ≥ ${range.min}`;
  return "";
}
