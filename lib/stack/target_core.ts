/**
 * Resolving the system under test, as pure functions: from a stack file (native or compose)
 * or from ZAPA_* variables (external). `lib/target.ts` is the face suites import.
 */

import { ServiceControl } from "./control_client.ts";
import { DEFAULT_STACK_FILE, parseStackFile } from "./stack_file.ts";

export type TargetKind = "native" | "compose" | "external";

/** Capabilities a test may require; a target without one makes such tests IGNORED. */
export type Need =
  | "database"
  | "redis"
  | "control"
  | "secrets"
  | "bridge_api_key"
  | "webhook_secret"
  | "auth_test_code"
  | "native"
  /** Two or more private instances behind the proxy, each controllable (R-REPLICA-4). */
  | "private_replicas";

export interface Target {
  kind: TargetKind;
  /** Where the description came from: a stack file path or "environment". */
  source: string;
  urls: { public: string; private: string; bridge: string; bridge_control: string; llm: string };
  database: string | null;
  redis: string | null;
  control: ServiceControl | null;
  admin: { username: string; password: string };
  system_number: string;
  session_id: string;
  bridge_api_key: string | null;
  webhook_secret: string | null;
  auth_test_code: string | null;
  /** JWT secrets (random per run), only for test-profile stacks we booted. */
  secrets: { jwt: string; admin_jwt: string } | null;
  logs: string | null;
  /** Each Zapa entrypoint's instances (stacks we booted); null when unknown. */
  instances: Record<string, { name: string; url: string; port: number }[]> | null;
  /** The reverse proxy in front of replicated entrypoints, or null. */
  proxy: { urls: Record<string, string>; stats: Record<string, string> } | null;
}

export interface Env {
  get(name: string): string | undefined;
}

const EXTERNAL_REQUIRED = [
  "ZAPA_PUBLIC_URL",
  "ZAPA_PRIVATE_URL",
  "ZAPA_BRIDGE_URL",
  "ZAPA_LLM_URL",
];

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Describes the target. `readText` returns a file's text, or null when it does not exist.
 * Throws with an explanation when there is nothing to test against.
 */
export function resolveTarget(env: Env, readText: (path: string) => string | null): Target {
  const kind = env.get("ZAPA_STACK") || "native";
  if (kind === "external") return externalTarget(env);
  if (kind !== "native" && kind !== "compose") {
    throw new Error(`ZAPA_STACK=${kind}: expected native, compose or external`);
  }
  const path = env.get("ZAPA_STACK_FILE") || DEFAULT_STACK_FILE;
  const text = readText(path);
  if (text === null) {
    throw new Error(
      `no Zapa stack found: ${path} does not exist. Start one with \`deno task up\` (or ./run up) ` +
        "in another terminal, run the suites through `deno task test`, or point them at a " +
        "deployment with ZAPA_STACK=external and ZAPA_PUBLIC_URL, ZAPA_PRIVATE_URL, ZAPA_BRIDGE_URL, ZAPA_LLM_URL",
    );
  }
  const info = parseStackFile(text, path);
  return {
    kind: info.target,
    source: path,
    urls: {
      public: trimSlash(info.urls.public),
      private: trimSlash(info.urls.private),
      bridge: trimSlash(info.urls.bridge),
      bridge_control: trimSlash(info.urls.bridge_control),
      llm: trimSlash(info.urls.llm),
    },
    database: info.database_url || null,
    redis: info.redis_url || null,
    control: info.control?.url ? new ServiceControl(info.control.url, info.control.token) : null,
    admin: info.admin ?? { username: "admin", password: "admin123" },
    system_number: info.system_number ?? "+1234567890",
    session_id: info.session_id ?? "main",
    bridge_api_key: info.bridge_api_key ?? null,
    webhook_secret: info.webhook_secret ?? null,
    auth_test_code: info.auth_test_code ?? null,
    secrets: info.secrets ?? null,
    logs: info.logs ?? null,
    instances: info.instances ?? null,
    proxy: info.proxy ?? null,
  };
}

/**
 * A value the external target must be told, with no default of ours: reading it without the
 * variable throws, naming it (the admin login, the system number and the session id of a foreign
 * Zapa are its own, not `admin`/`+1234567890`/`main`).
 */
function required(env: Env, name: string, what: string): () => string {
  return () => {
    const value = env.get(name);
    if (!value) {
      throw new Error(`ZAPA_STACK=external: set ${name} (${what}); the suites assume no default`);
    }
    return value;
  };
}

function externalTarget(env: Env): Target {
  const missing = EXTERNAL_REQUIRED.filter((name) => !env.get(name));
  if (missing.length > 0) {
    throw new Error(`ZAPA_STACK=external needs ${missing.join(", ")}`);
  }
  const get = (name: string) => env.get(name) || null;
  const bridge = trimSlash(env.get("ZAPA_BRIDGE_URL")!);
  const jwt = get("ZAPA_JWT_SECRET");
  const adminJwt = get("ZAPA_ADMIN_JWT_SECRET");
  const controlUrl = get("ZAPA_CONTROL_URL");
  // Direct store access only serves implementation checks (tier: internal), which a foreign Zapa
  // is held to only when asked: so tests never run our SQL against someone else's schema.
  const internals = ["1", "true", "yes"].includes(env.get("ZAPA_CHECK_INTERNALS") ?? "");
  const username = required(env, "ZAPA_ADMIN_USERNAME", "the admin's user name");
  const password = required(env, "ZAPA_ADMIN_PASSWORD", "the admin's password");
  const target: Target = {
    kind: "external",
    source: "environment",
    urls: {
      public: trimSlash(env.get("ZAPA_PUBLIC_URL")!),
      private: trimSlash(env.get("ZAPA_PRIVATE_URL")!),
      bridge,
      bridge_control: trimSlash(get("ZAPA_BRIDGE_CONTROL_URL") ?? bridge),
      llm: trimSlash(env.get("ZAPA_LLM_URL")!),
    },
    database: internals ? get("ZAPA_DATABASE_URL") : null,
    redis: internals ? get("ZAPA_REDIS_URL") : null,
    control: controlUrl
      ? new ServiceControl(trimSlash(controlUrl), get("ZAPA_CONTROL_TOKEN") ?? "")
      : null,
    admin: {
      get username() {
        return username();
      },
      get password() {
        return password();
      },
    },
    system_number: "",
    session_id: "",
    bridge_api_key: get("ZAPA_BRIDGE_API_KEY"),
    webhook_secret: get("ZAPA_WEBHOOK_SECRET"),
    auth_test_code: get("ZAPA_AUTH_TEST_CODE"),
    secrets: jwt && adminJwt ? { jwt, admin_jwt: adminJwt } : null,
    logs: null,
    instances: null,
    proxy: null,
  };
  const systemNumber = required(env, "ZAPA_SYSTEM_NUMBER", "the WhatsApp number Zapa answers on");
  const sessionId = required(env, "ZAPA_SESSION_ID", "the bridge session Zapa sends through");
  Object.defineProperty(target, "system_number", { get: systemNumber, enumerable: true });
  Object.defineProperty(target, "session_id", { get: sessionId, enumerable: true });
  return target;
}

const NEED_REASONS: Record<Need, string> = {
  database: "direct database access (ZAPA_DATABASE_URL)",
  redis: "direct Redis access (ZAPA_REDIS_URL)",
  control: "service control (stop/start/kill services; native or compose stacks only)",
  secrets: "the JWT secrets (ZAPA_JWT_SECRET and ZAPA_ADMIN_JWT_SECRET)",
  bridge_api_key: "the bridge API key (ZAPA_BRIDGE_API_KEY)",
  webhook_secret: "the webhook secret (ZAPA_WEBHOOK_SECRET)",
  auth_test_code: "the fixed test login code (ZAPA_AUTH_TEST_CODE)",
  native: "a native stack on this machine",
  private_replicas: "two or more private instances behind a proxy (ZAPA_PRIVATE_REPLICAS=2)",
};

/** Why a test with these needs cannot run on `target` (empty when it can). */
export function missingNeeds(target: Target, needs: readonly Need[]): string[] {
  const has: Record<Need, boolean> = {
    database: target.database !== null,
    redis: target.redis !== null,
    control: target.control !== null,
    secrets: target.secrets !== null,
    bridge_api_key: target.bridge_api_key !== null,
    webhook_secret: target.webhook_secret !== null,
    auth_test_code: target.auth_test_code !== null,
    native: target.kind === "native",
    private_replicas: (target.instances?.private?.length ?? 0) >= 2 && target.control !== null,
  };
  return needs.filter((need) => !has[need]).map((need) => NEED_REASONS[need]);
}
