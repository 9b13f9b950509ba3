/**
 * An ephemeral Redis: no RDB, no AOF, bound to 127.0.0.1, a direct child through setpriv
 * `--pdeathsig`. A restarted Redis therefore comes back empty, as the failure tests expect.
 */

import { logEvent, type RunningProcess, spawnLogged } from "./process.ts";

export function redisUrl(port: number): string {
  return `redis://127.0.0.1:${port}/0`;
}

export function redisArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
    "--loglevel",
    "notice",
    "--dir",
    dir,
  ];
}

export async function spawnRedis(
  options: { port: number; dir: string; logFile: string; env: Record<string, string> },
): Promise<RunningProcess> {
  await logEvent(options.logFile, { msg: "starting redis", port: options.port });
  return await spawnLogged({
    command: "redis-server",
    args: redisArgs(options.port, options.dir),
    env: options.env,
    cwd: options.dir,
    logFile: options.logFile,
  });
}
