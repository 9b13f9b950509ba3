/**
 * Boots the native stack (every service a process on this machine), publishes it in a stack
 * file with a token-protected service-control API, and builds its StackInfo once.
 */

import { startControlServer } from "./control_server.ts";
import { NativeStack } from "./native_stack.ts";
import { choosePorts } from "./ports.ts";
import { randomToken } from "./secrets.ts";
import {
  AUTH_TEST_CODE,
  type DenoServiceName,
  type DenoServiceSpec,
  type ServiceName,
  SESSION_ID,
  SYSTEM_NUMBER,
  TEST_ADMIN,
} from "./services.ts";
import { type HarnessSettings, readSettings } from "./settings.ts";
import { PROXY_HEALTH_PATH, PROXY_STATS_PATH } from "./haproxy.ts";
import type { ReplicaCounts } from "./replicas.ts";
import { removeStackFile, type StackInfo, writeStackFile } from "./stack_file.ts";

import type { RunningStack } from "./running.ts";

export interface LaunchOptions {
  /** "standard" (deno task up) or "free" (test command, unit tests). */
  ports: "standard" | "free";
  /** Where to publish the stack (null: nowhere). */
  stackFile: string | null;
  logsDir: string;
  settings?: HarnessSettings;
  services?: readonly ServiceName[];
  specs?: Partial<Record<DenoServiceName, DenoServiceSpec>>;
  /** Extra PostgreSQL server settings (see `PostgresLayout.settings`). */
  postgresSettings?: Record<string, string>;
  root?: string;
  waitReady?: boolean;
  startTimeoutMs?: number;
  /** Deadline of a start through service control; default startTimeoutMs. */
  controlStartTimeoutMs?: number;
  onEvent?: (line: string) => void;
  /** Called when POST /shutdown arrives (deno task down). */
  onShutdownRequest?: () => void;
  /** Instances per entrypoint; overrides the settings' ZAPA_*_REPLICAS. */
  replicas?: ReplicaCounts;
}

/** Boots a native stack; on failure everything started is torn down and the error rethrown. */
export async function launchStack(options: LaunchOptions): Promise<RunningStack> {
  const settings = options.settings ?? readSettings();
  const ports = choosePorts({ mode: options.ports, overrides: settings.port_overrides });
  const stack = new NativeStack({
    ports,
    logsDir: options.logsDir,
    root: options.root,
    services: options.services,
    specs: options.specs,
    postgresSettings: options.postgresSettings,
    allowMissing: settings.allow_missing,
    startTimeoutMs: options.startTimeoutMs ?? settings.start_timeout_ms,
    controlStartTimeoutMs: options.controlStartTimeoutMs,
    waitReady: options.waitReady,
    onEvent: options.onEvent,
    baseEnv: settings.base_env,
    replicas: options.replicas ?? settings.replicas,
    bridgeJournalLimit: settings.bridge_journal_limit,
  });
  const token = randomToken(24);
  const control = startControlServer({
    controller: stack,
    token,
    port: ports.control,
    onShutdown: options.onShutdownRequest,
  });
  // Every caller (a signal handler, the normal path) waits for the same, complete shutdown.
  let closing: Promise<void> | null = null;
  const shutdown = () =>
    closing ??= (async () => {
      await control.close().catch(() => {});
      await stack.teardown();
      if (options.stackFile) await removeStackFile(options.stackFile, Deno.pid);
    })();
  try {
    await stack.boot();
  } catch (error) {
    await shutdown();
    throw error;
  }
  const info = stackInfo(stack, { url: control.url, token }, options.logsDir);
  if (options.stackFile) await writeStackFile(options.stackFile, info);
  return { info, stack, shutdown };
}

export function stackInfo(
  stack: NativeStack,
  control: { url: string; token: string },
  logs: string,
): StackInfo {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const { ports, secrets } = stack;
  return {
    target: "native",
    started_at: new Date().toISOString(),
    pid: Deno.pid,
    urls: {
      public: url(ports.public),
      private: url(ports.private),
      bridge: url(ports.bridge),
      bridge_control: url(ports.bridge_control),
      llm: url(ports.llm),
    },
    database_url: stack.database_url,
    redis_url: stack.redis_url,
    admin: { ...TEST_ADMIN },
    system_number: SYSTEM_NUMBER,
    control,
    logs: absolute(logs),
    ports: { ...ports },
    services: stack.services.filter((name) => !stack.skipped.includes(name)),
    profile: "test",
    session_id: SESSION_ID,
    auth_test_code: AUTH_TEST_CODE,
    bridge_api_key: secrets.bridge_api_key,
    webhook_secret: secrets.webhook_secret,
    secrets: { jwt: secrets.jwt, admin_jwt: secrets.admin_jwt },
    boot_ms: stack.boot_ms,
    instances: Object.fromEntries(
      Object.entries(stack.instances).map(([service, list]) => [
        service,
        list.map((i) => ({ name: i.name, url: url(i.port), port: i.port })),
      ]),
    ),
    proxy: stack.proxied ? proxyInfo(stack, url) : null,
  };
}

/** Where the proxy listens per replicated entrypoint, and its liveness and stats pages. */
function proxyInfo(stack: NativeStack, url: (port: number) => string): StackInfo["proxy"] {
  const fronted = (["private", "public"] as const).filter((n) => stack.instances[n].length > 1);
  return {
    urls: Object.fromEntries(fronted.map((n) => [n, url(stack.ports[n])])),
    stats: Object.fromEntries(
      fronted.map((n) => [n, `${url(stack.ports[n])}${PROXY_STATS_PATH};csv`]),
    ),
    health_path: PROXY_HEALTH_PATH,
  };
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
