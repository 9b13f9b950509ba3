/**
 * The compose target (`ZAPA_STACK=compose`): the same stack as containers from
 * `compose.test.yaml`, driven through `docker compose` (up --wait, stop/start/kill a service,
 * logs, down -v). It publishes the same stack file and service-control API as the native
 * stack, so the suites cannot tell the difference.
 */

import { startControlServer } from "./control_server.ts";
import type { ServiceController, ServiceState } from "./controller.ts";
import { choosePorts, freePort } from "./ports.ts";
import { httpProbe, postgresProbe, redisProbe, ServiceStartError } from "./readiness.ts";
import { generateSecrets, randomToken } from "./secrets.ts";
import {
  AUTH_TEST_CODE,
  composeName,
  DENO_SERVICE_SPECS,
  PORT_SETTINGS,
  SERVICE_NAMES,
  type ServiceName,
  SESSION_ID,
  type StackPorts,
  type StackSecrets,
  SYSTEM_NUMBER,
  TEST_ADMIN,
} from "./services.ts";
import type { HarnessSettings } from "./settings.ts";
import { removeStackFile, type StackInfo, writeStackFile } from "./stack_file.ts";
import type { RunningStack } from "./running.ts";

import { COMPOSE_INSTANCES, composeReplicaEnv } from "./compose_replicas.ts";

export const COMPOSE_FILE = "compose.test.yaml";

/**
 * Variables the compose file interpolates: published ports, per-run secrets, and the replica
 * topology (on with `replicas.on`: a second private instance behind HAProxy).
 */
export function composeEnv(
  ports: StackPorts,
  secrets: StackSecrets,
  replicas: { on: boolean; proxy: number; second: number } = { on: false, proxy: 0, second: 0 },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, setting] of Object.entries(PORT_SETTINGS)) {
    if (name !== "control") env[setting.variable] = String(ports[name as keyof StackPorts]);
  }
  return {
    ...env,
    ZAPA_TEST_BRIDGE_API_KEY: secrets.bridge_api_key,
    ZAPA_TEST_WEBHOOK_SECRET: secrets.webhook_secret,
    ZAPA_TEST_JWT_SECRET: secrets.jwt,
    ZAPA_TEST_ADMIN_JWT_SECRET: secrets.admin_jwt,
    ZAPA_TEST_ENCRYPTION_KEY: secrets.encryption_key,
    ...composeReplicaEnv(replicas.on, replicas),
  };
}

export type ComposeAction =
  | { action: "up" }
  | { action: "down" }
  | { action: "ps" }
  | { action: "stop" | "start" | "kill"; service: string }
  | { action: "logs"; service: string; lines: number };

/** The compose service of a stack service or instance (`private#2` → `zapa-private-2`). */
function composeService(name: string): string {
  return COMPOSE_INSTANCES[name] ?? composeName(name as ServiceName);
}

/** The `docker` arguments of one compose operation. */
export function composeArgs(project: string, op: ComposeAction, file = COMPOSE_FILE): string[] {
  const base = ["compose", "-f", file, "-p", project];
  switch (op.action) {
    case "up":
      return [...base, "up", "--detach", "--wait", "--build"];
    case "down":
      return [...base, "down", "--volumes", "--remove-orphans"];
    case "ps":
      return [...base, "ps", "--all", "--format", "json"];
    case "stop":
      return [...base, "stop", "--timeout", "5", composeService(op.service)];
    case "start":
      return [...base, "start", composeService(op.service)];
    case "kill":
      return [...base, "kill", "--signal", "SIGKILL", composeService(op.service)];
    case "logs":
      return [
        ...base,
        "logs",
        "--no-color",
        "--tail",
        String(op.lines),
        composeService(op.service),
      ];
  }
}

async function docker(args: string[], env: Record<string, string>): Promise<string> {
  const result = await new Deno.Command("docker", { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const out = new TextDecoder().decode(result.stdout);
  if (!result.success) {
    throw new Error(
      `docker ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr).trim()}`,
    );
  }
  return out;
}

export class ComposeStack implements ServiceController {
  readonly secrets = generateSecrets();
  constructor(
    readonly project: string,
    readonly ports: StackPorts,
    readonly startTimeoutMs: number,
    /** With `on`, a second private instance and the proxy run (profile `replicas`). */
    readonly replicas: { on: boolean; proxy: number; second: number } = {
      on: false,
      proxy: 0,
      second: 0,
    },
  ) {}

  get env(): Record<string, string> {
    return composeEnv(this.ports, this.secrets, this.replicas);
  }

  /** What a control name means: `private` is both instances when replicated. */
  #targets(name: string): string[] {
    if (this.replicas.on && name === "private") return ["private#1", "private#2"];
    return [name];
  }

  knows(name: string): boolean {
    if (this.replicas.on && name in COMPOSE_INSTANCES) return true;
    return (SERVICE_NAMES as readonly string[]).includes(name);
  }

  /** The host port and health path of a service or instance. */
  #probeTarget(name: string): { port: number; path: string } {
    if (name === "proxy") return { port: this.replicas.proxy, path: "/__proxy/health" };
    if (name === "private#2") return { port: this.replicas.second, path: "/health" };
    const service = (name === "private#1" ? "private" : name) as Exclude<
      ServiceName,
      "postgres" | "redis"
    >;
    return { port: this.ports[service], path: DENO_SERVICE_SPECS[service].health_path };
  }

  #run(op: ComposeAction): Promise<string> {
    return docker(composeArgs(this.project, op), this.env);
  }

  up = () => this.#run({ action: "up" });
  down = () => this.#run({ action: "down" });

  async list(): Promise<ServiceState[]> {
    const text = await this.#run({ action: "ps" });
    const rows = text.trim().split("\n").filter(Boolean).flatMap((l) => {
      const parsed = JSON.parse(l);
      return Array.isArray(parsed) ? parsed : [parsed];
    }) as { Service: string; State: string }[];
    const names: string[] = this.replicas.on
      ? SERVICE_NAMES.flatMap((n) => n === "private" ? ["private#1", "private#2"] : [n])
        .concat("proxy")
      : [...SERVICE_NAMES];
    return names.map((name) => {
      const row = rows.find((r) => r.Service === composeService(name));
      const port = name === "postgres" || name === "redis"
        ? this.ports[name]
        : this.#probeTarget(name).port;
      return {
        name,
        state: row?.State === "running" ? "running" : "stopped",
        pid: null,
        port,
      };
    });
  }

  async stop(name: string) {
    for (const one of this.#targets(name)) await this.#run({ action: "stop", service: one });
  }
  async kill(name: string) {
    await Promise.all(
      this.#targets(name).map((one) => this.#run({ action: "kill", service: one })),
    );
  }
  async start(name: string) {
    await Promise.all(this.#targets(name).map((one) => this.#startOne(one)));
  }
  async #startOne(name: string) {
    await this.#run({ action: "start", service: name });
    const probe = name === "postgres"
      ? postgresProbe(`postgres://postgres@127.0.0.1:${this.ports.postgres}/postgres`)
      : name === "redis"
      ? redisProbe(this.ports.redis)
      : httpProbe(
        `http://127.0.0.1:${this.#probeTarget(name).port}${this.#probeTarget(name).path}`,
      );
    const deadline = performance.now() + this.startTimeoutMs;
    while (!(await probe())) {
      if (performance.now() > deadline) {
        throw new ServiceStartError(name, "did not become healthy", await this.logs(name, 40));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async restart(name: string) {
    for (const one of this.#targets(name)) {
      await this.stop(one);
      await this.start(one);
    }
  }
  async logs(name: string, lines: number): Promise<string> {
    const parts = await Promise.all(
      this.#targets(name).map((one) => this.#run({ action: "logs", service: one, lines })),
    );
    return parts.join("\n");
  }
}

/** Boots compose.test.yaml and publishes it like a native stack. */
export async function launchComposeStack(
  options: {
    stackFile: string | null;
    logsDir: string;
    settings: HarnessSettings;
    ports?: "standard" | "free";
  },
): Promise<RunningStack> {
  const started = performance.now();
  const ports = choosePorts({
    mode: options.ports ?? "free",
    overrides: options.settings.port_overrides,
  });
  const replicated = options.settings.replicas.private > 1;
  const replicas = { on: replicated, proxy: freePort(), second: freePort() };
  const stack = new ComposeStack(
    `zapa-test-${Deno.pid}`,
    ports,
    options.settings.start_timeout_ms,
    replicas,
  );
  const token = randomToken(24);
  const control = startControlServer({ controller: stack, token, port: ports.control });
  let closing: Promise<void> | null = null;
  const shutdown = () =>
    closing ??= (async () => {
      await control.close().catch(() => {});
      await stack.down().catch(() => {});
      if (options.stackFile) await removeStackFile(options.stackFile, Deno.pid);
    })();
  try {
    await stack.up();
  } catch (error) {
    await shutdown();
    throw error;
  }
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const info: StackInfo = {
    target: "compose",
    started_at: new Date().toISOString(),
    pid: Deno.pid,
    urls: {
      public: url(ports.public),
      // With replicas the suites, like the bridge, go through the proxy.
      private: url(replicated ? replicas.proxy : ports.private),
      bridge: url(ports.bridge),
      bridge_control: url(ports.bridge_control),
      llm: url(ports.llm),
    },
    ...(replicated
      ? {
        instances: {
          private: [
            { name: "private#1", url: url(ports.private), port: ports.private },
            { name: "private#2", url: url(replicas.second), port: replicas.second },
          ],
          public: [{ name: "public", url: url(ports.public), port: ports.public }],
        },
        proxy: {
          urls: { private: url(replicas.proxy) },
          stats: { private: `${url(replicas.proxy)}/__proxy/stats;csv` },
          health_path: "/__proxy/health",
        },
      }
      : {}),
    database_url: `postgres://postgres@127.0.0.1:${ports.postgres}/postgres`,
    redis_url: `redis://127.0.0.1:${ports.redis}/0`,
    admin: { ...TEST_ADMIN },
    system_number: SYSTEM_NUMBER,
    control: { url: control.url, token },
    logs: `docker compose -p ${stack.project} logs`,
    ports: { ...ports },
    services: [...SERVICE_NAMES],
    profile: "test",
    session_id: SESSION_ID,
    auth_test_code: AUTH_TEST_CODE,
    bridge_api_key: stack.secrets.bridge_api_key,
    webhook_secret: stack.secrets.webhook_secret,
    secrets: { jwt: stack.secrets.jwt, admin_jwt: stack.secrets.admin_jwt },
    boot_ms: Math.round(performance.now() - started),
  };
  if (options.stackFile) await writeStackFile(options.stackFile, info);
  return { info, stack, shutdown };
}
