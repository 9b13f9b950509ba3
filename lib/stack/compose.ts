/**
 * The compose target (`ZAPA_STACK=compose`): the same stack as containers from
 * `compose.test.yaml`, driven through `docker compose` (up --wait, stop/start/kill a service,
 * logs, down -v). It publishes the same stack file and service-control API as the native
 * stack, so the suites cannot tell the difference.
 */

import { startControlServer } from "./control_server.ts";
import type { ServiceController, ServiceState } from "./controller.ts";
import { choosePorts } from "./ports.ts";
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
import type { RunningStack } from "./mod.ts";

export const COMPOSE_FILE = "compose.test.yaml";

/** Variables the compose file interpolates: published ports and per-run secrets. */
export function composeEnv(ports: StackPorts, secrets: StackSecrets): Record<string, string> {
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
  };
}

export type ComposeAction =
  | { action: "up" }
  | { action: "down" }
  | { action: "ps" }
  | { action: "stop" | "start" | "kill"; service: ServiceName }
  | { action: "logs"; service: ServiceName; lines: number };

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
      return [...base, "stop", "--timeout", "5", composeName(op.service)];
    case "start":
      return [...base, "start", composeName(op.service)];
    case "kill":
      return [...base, "kill", "--signal", "SIGKILL", composeName(op.service)];
    case "logs":
      return [...base, "logs", "--no-color", "--tail", String(op.lines), composeName(op.service)];
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
  ) {}

  get env(): Record<string, string> {
    return composeEnv(this.ports, this.secrets);
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
    return SERVICE_NAMES.map((name) => {
      const row = rows.find((r) => r.Service === composeName(name));
      return {
        name,
        state: row?.State === "running" ? "running" : "stopped",
        pid: null,
        port: this.ports[name],
      };
    });
  }

  async stop(name: ServiceName) {
    await this.#run({ action: "stop", service: name });
  }
  async kill(name: ServiceName) {
    await this.#run({ action: "kill", service: name });
  }
  async start(name: ServiceName) {
    await this.#run({ action: "start", service: name });
    const port = this.ports[name];
    const probe = name === "postgres"
      ? postgresProbe(`postgres://postgres@127.0.0.1:${port}/postgres`)
      : name === "redis"
      ? redisProbe(port)
      : httpProbe(`http://127.0.0.1:${port}${DENO_SERVICE_SPECS[name].health_path}`);
    const deadline = performance.now() + this.startTimeoutMs;
    while (!(await probe())) {
      if (performance.now() > deadline) {
        throw new ServiceStartError(name, "did not become healthy", await this.logs(name, 40));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async restart(name: ServiceName) {
    await this.stop(name);
    await this.start(name);
  }
  logs(name: ServiceName, lines: number): Promise<string> {
    return this.#run({ action: "logs", service: name, lines });
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
  const stack = new ComposeStack(`zapa-test-${Deno.pid}`, ports, options.settings.start_timeout_ms);
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
      private: url(ports.private),
      bridge: url(ports.bridge),
      bridge_control: url(ports.bridge_control),
      llm: url(ports.llm),
    },
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
