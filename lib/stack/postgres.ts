/**
 * An ephemeral PostgreSQL 15 cluster: a fresh data dir in the stack's temp dir, fsync off,
 * listening on 127.0.0.1 with its unix socket in the temp dir, run as the `postgres` user when
 * we are root (initdb refuses root). It runs as a direct child of ours through setpriv with
 * `--pdeathsig SIGINT`, so it shuts down (fast mode) when we die; we stop it with SIGINT too,
 * because SIGTERM (smart shutdown) would wait for every client to disconnect.
 */

import { logEvent, type RunningProcess, spawnLogged } from "./process.ts";
import { pgBin } from "./settings.ts";

export const PG_BIN = pgBin();

export interface PostgresLayout {
  /** The stack's temp dir (socket dir). */
  dir: string;
  data: string;
  port: number;
  logFile: string;
  /** Extra server settings (`-c name=value`), e.g. pg_stat_statements for a profiled bench. */
  settings?: Record<string, string>;
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
    ...Object.entries(layout.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
  ];
}

const INITDB_ARGS = [
  "-U",
  "postgres",
  "-A",
  "trust",
  "-E",
  "UTF8",
  "--locale=C.UTF-8",
  "--no-sync",
  "--no-instructions",
];

/**
 * Where a pristine cluster is cached: initdb takes about half a second, a copy a tenth of
 * that. The name changes with the binaries and initdb's arguments, so a stale cache is never
 * used.
 */
export async function templateName(): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode([PG_BIN, ...INITDB_ARGS].join(" ")),
  );
  const hex = [...new Uint8Array(digest)].slice(0, 4).map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  return `pg15-template-${hex}`;
}

async function isCluster(dir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dir}/PG_VERSION`);
    await Deno.stat(`${dir}/global/pg_control`);
    return true;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!result.success) {
    const detail = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`${command} ${args.join(" ")} failed: ${detail}`);
  }
}

/**
 * Creates the cluster: a copy of the cached template when there is one, else `initdb` (its
 * output goes to the postgres log), whose result then becomes the template.
 */
export async function initCluster(
  layout: PostgresLayout,
  env: Record<string, string>,
  options: { templateDir?: string | null } = {},
): Promise<void> {
  if (isRoot()) await run("chown", ["postgres:postgres", layout.dir]);
  const template = options.templateDir;
  if (template && await isCluster(template)) {
    await run("cp", ["-a", template, layout.data]);
    await logEvent(layout.logFile, { msg: "cluster copied from the cached template", template });
    return;
  }
  const proc = await spawnLogged({
    command: `${PG_BIN}/initdb`,
    args: ["-D", layout.data, ...INITDB_ARGS],
    env,
    cwd: layout.dir,
    logFile: layout.logFile,
    setprivArgs: asPostgres(),
  });
  const status = await proc.exited;
  if (!status.success) {
    throw new Error(`initdb failed with code ${status.code}; see ${layout.logFile}`);
  }
  if (template) {
    // Copy under a private name, then rename: concurrent boots never see half a template.
    const partial = `${template}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.partial`;
    try {
      await Deno.mkdir(template.slice(0, template.lastIndexOf("/")) || ".", { recursive: true });
      await run("cp", ["-a", layout.data, partial]);
      await Deno.rename(partial, template);
    } catch {
      // Another boot cached it first, or the cache is not writable: neither matters.
      await Deno.remove(partial, { recursive: true }).catch(() => {});
    }
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
