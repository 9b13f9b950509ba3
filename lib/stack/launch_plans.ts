/**
 * How each service of a native stack is launched: its process, log file, stop signal and
 * health probe, derived from the launch table in services.ts and the stack's ports, wiring
 * and temp dir.
 */

import { spawnPostgres } from "./postgres.ts";
import { logEvent, type RunningProcess, spawnLogged } from "./process.ts";
import { httpProbe, postgresProbe, type Probe, redisProbe } from "./readiness.ts";
import { spawnRedis } from "./redis.ts";
import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  type DenoServiceName,
  type DenoServiceSpec,
  type ServiceName,
  type Wiring,
} from "./services.ts";

export interface LaunchPlan {
  name: ServiceName;
  port: number;
  logFile: string;
  stopSignal: Deno.Signal;
  spawn: () => Promise<RunningProcess>;
  probe: Probe;
  /** PostgreSQL may refuse to start while a killed predecessor's backends still exit. */
  retryEarlyExit: boolean;
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
}

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
    const port = ports[spec.port];
    plans.push({
      name,
      port,
      logFile: logFile(name),
      stopSignal: "SIGTERM",
      spawn: async () => {
        await logEvent(logFile(name), { msg: `starting ${name}`, port });
        return await spawnLogged({
          command: Deno.execPath(),
          args: ["run", ...spec.flags, spec.entry],
          env: ctx.env(spec.env(wiring)),
          cwd: ctx.root,
          logFile: logFile(name),
        });
      },
      probe: httpProbe(`http://127.0.0.1:${port}${spec.health_path}`),
      retryEarlyExit: false,
    });
  }
  return { plans, skipped };
}
