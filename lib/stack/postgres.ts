/**
 * An ephemeral PostgreSQL 15 cluster: a fresh data dir in the stack's temp dir, fsync off,
 * listening on 127.0.0.1 with its unix socket in the temp dir, run as the `postgres` user when
 * we are root (initdb refuses root). It runs as a direct child of ours through setpriv with
 * `--pdeathsig SIGINT`, so it shuts down (fast mode) when we die; we stop it with SIGINT too,
 * because SIGTERM (smart shutdown) would wait for every client to disconnect.
 */

import { logEvent, type RunningProcess, spawnLogged } from "./process.ts";

export const PG_BIN = Deno.env.get("ZAPA_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

export interface PostgresLayout {
  /** The stack's temp dir (socket dir). */
  dir: string;
  data: string;
  port: number;
  logFile: string;
}

function isRoot(): boolean {
  return Deno.uid() === 0;
}

/** setpriv options that drop to the postgres user when we are root. */
function asPostgres(): string[] {
  return isRoot() ? ["--reuid=postgres", "--regid=postgres", "--init-groups"] : [];
}

export function postgresUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** The arguments of the server process (exported for tests). */
export function postgresArgs(layout: PostgresLayout): string[] {
  return [
    "-D",
    layout.data,
    "-p",
    String(layout.port),
    "-k",
    layout.dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
  ];
}

/** Creates the cluster (`initdb`); its output goes to the postgres log. */
export async function initCluster(layout: PostgresLayout, env: Record<string, string>) {
  if (isRoot()) {
    const chown = await new Deno.Command("chown", {
      args: ["postgres:postgres", layout.dir],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!chown.success) throw new Error(`chown postgres ${layout.dir} failed`);
  }
  const proc = await spawnLogged({
    command: `${PG_BIN}/initdb`,
    args: [
      "-D",
      layout.data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
      "--no-instructions",
    ],
    env,
    cwd: layout.dir,
    logFile: layout.logFile,
    setprivArgs: asPostgres(),
  });
  const status = await proc.exited;
  if (!status.success) {
    throw new Error(`initdb failed with code ${status.code}; see ${layout.logFile}`);
  }
}

/** Starts the server; readiness is the caller's business (see readiness.ts). */
export async function spawnPostgres(
  layout: PostgresLayout,
  env: Record<string, string>,
): Promise<RunningProcess> {
  await logEvent(layout.logFile, { msg: "starting postgres", port: layout.port });
  return await spawnLogged({
    command: `${PG_BIN}/postgres`,
    args: postgresArgs(layout),
    env,
    cwd: layout.dir,
    logFile: layout.logFile,
    setprivArgs: asPostgres(),
    deathSignal: "SIGINT",
  });
}
