/**
 * How each service of a native stack is launched: its process, log file, stop signal and
 * health probe, derived from the launch table in services.ts and the stack's ports, wiring
 * and temp dir.
 */

import { spawnPostgres } from "./postgres.ts";
import { logEvent, type RunningProcess, spawnLogged } from "./process.ts";
import { httpProbe, postgresProbe, type Probe, redisProbe } from "./readiness.ts";
import { spawnRedis } from "./redis.ts";
import { type ProxiedEntrypoint, proxyLaunch } from "./haproxy.ts";
import { type Instance, logStem, type ReplicatedService } from "./replicas.ts";
import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  type DenoServiceName,
  type DenoServiceSpec,
  type ServiceName,
  type Wiring,
} from "./services.ts";

export interface LaunchPlan {
  /** A service, an instance of a replicated one (`private#2`) or `proxy`. */
  name: string;
  port: number;
  logFile: string;
  stopSignal: Deno.Signal;
  spawn: () => Promise<RunningProcess>;
  probe: Probe;
  /** PostgreSQL may refuse to start while a killed predecessor's backends still exit. */
  retryEarlyExit: boolean;
  /** How long a graceful stop may take before SIGKILL (default 5 s). */
  stopGraceMs?: number;
}

export interface PlanContext {
  /** The stack's temp dir. */
  dir: string;
  logsDir: string;
  wiring: Wiring;
  services: readonly ServiceName[];
  specs?: Partial<Record<DenoServiceName, DenoServiceSpec>>;
  /** Working directory of the Deno services (the repository root). */
  root: string;
  allowMissing: boolean;
  /** The complete environment of a child: the base environment plus `extra`. */
  env: (extra?: Record<string, string>) => Record<string, string>;
  onEvent?: (line: string) => void;
  /** The instances of each entrypoint (default: one, on the entrypoint's port). */
  instances?: Partial<Record<ReplicatedService, Instance[]>>;
  /** Entrypoints behind the reverse proxy (none: no proxy). */
  proxied?: readonly ProxiedEntrypoint[];
  /** Extra PostgreSQL server settings (see `PostgresLayout.settings`). */
  postgresSettings?: Record<string, string>;
}

/**
 * Behind the proxy a Zapa instance drains before it exits (readiness 503 for ZAPA_DRAIN_MS, then
 * its accepted webhooks and workers finish): give it longer than the other services. A single
 * instance does not drain and keeps the service-control contract's 5 s before SIGKILL.
 */
const ZAPA_STOP_GRACE_MS = 10_000;
/** How long a Zapa instance keeps serving after SIGTERM while /ready says 503 (test profile). */
const ZAPA_DRAIN_MS = "1000";

function entryExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The launch plans of the wanted services, and the Deno services skipped for a missing entry. */
export function planLaunches(ctx: PlanContext): { plans: LaunchPlan[]; skipped: ServiceName[] } {
  const { dir, wiring } = ctx;
  const { ports } = wiring;
  const logFile = (name: string) => `${ctx.logsDir}/${name}.log`;
  const want = new Set(ctx.services);
  const plans: LaunchPlan[] = [];
  const skipped: ServiceName[] = [];
  if (want.has("postgres")) {
    const layout = {
      dir,
      data: `${dir}/pgdata`,
      port: ports.postgres,
      logFile: logFile("postgres"),
      settings: ctx.postgresSettings,
    };
    plans.push({
      name: "postgres",
      port: ports.postgres,
      logFile: layout.logFile,
      stopSignal: "SIGINT",
      spawn: () => spawnPostgres(layout, ctx.env()),
      probe: postgresProbe(wiring.database_url),
      retryEarlyExit: true,
    });
  }
  if (want.has("redis")) {
    const redisDir = `${dir}/redis`;
    Deno.mkdirSync(redisDir, { recursive: true });
    plans.push({
      name: "redis",
      port: ports.redis,
      logFile: logFile("redis"),
      stopSignal: "SIGTERM",
      spawn: () =>
        spawnRedis({ port: ports.redis, dir: redisDir, logFile: logFile("redis"), env: ctx.env() }),
      probe: redisProbe(ports.redis),
      retryEarlyExit: false,
    });
  }
  for (const name of DENO_SERVICES) {
    if (!want.has(name)) continue;
    const spec = ctx.specs?.[name] ?? DENO_SERVICE_SPECS[name];
    if (!entryExists(`${ctx.root}/${spec.entry}`)) {
      if (!ctx.allowMissing) throw new Error(`${name}: entry file ${spec.entry} does not exist`);
      ctx.onEvent?.(
        `WARNING: ${name} is NOT running: ${spec.entry} does not exist yet (allowed in development only)`,
      );
      skipped.push(name);
      continue;
    }
    const instances = (name === "private" || name === "public") && ctx.instances?.[name]
      ? ctx.instances[name]!
      : [{ name, port: ports[spec.port] }];
    const zapa = name === "private" || name === "public";
    for (const instance of instances) {
      const port = instance.port;
      const file = logFile(logStem(instance.name));
      const env = {
        ...spec.env(wiring),
        [spec.port_env]: String(port),
        // Only behind the proxy is there anyone to notice readiness going 503 first.
        ...(zapa && instances.length > 1 ? { SHUTDOWN_DRAIN_MS: ZAPA_DRAIN_MS } : {}),
      };
      plans.push({
        name: instance.name,
        port,
        logFile: file,
        stopSignal: "SIGTERM",
        spawn: async () => {
          await logEvent(file, { msg: `starting ${instance.name}`, port });
          return await spawnLogged({
            command: Deno.execPath(),
            args: ["run", ...spec.flags, spec.entry],
            env: ctx.env(env),
            cwd: ctx.root,
            logFile: file,
          });
        },
        probe: httpProbe(`http://127.0.0.1:${port}${spec.health_path}`),
        retryEarlyExit: false,
        stopGraceMs: zapa && instances.length > 1 ? ZAPA_STOP_GRACE_MS : undefined,
      });
    }
  }
  if (ctx.proxied && ctx.proxied.length > 0) {
    const launch = proxyLaunch({
      dir,
      logFile: logFile("proxy"),
      entrypoints: ctx.proxied,
      env: ctx.env(),
    });
    plans.push({
      name: "proxy",
      port: ctx.proxied[0]!.port,
      logFile: logFile("proxy"),
      stopSignal: "SIGTERM",
      spawn: launch.spawn,
      probe: launch.probe,
      retryEarlyExit: false,
    });
  }
  return { plans, skipped };
}
