/**
 * PostgreSQL's own ceiling on this box: how many small committed inserts per second the stack's
 * cluster takes from a few connections, measured by pgbench (PostgreSQL's own benchmark client,
 * shipped with the server binaries) with a one-insert script, against the same cluster with the
 * same settings. Every reply Zapa sends costs several such commits, so replies/s ÷ this rate
 * says how close the pipeline runs to its database's ceiling that day.
 *
 * Why pgbench and not a loop in TypeScript: a postgres.js loop in the benchmark's worker measured
 * its own client as much as the server — 14–21 k commits/s with a 13 % spread where pgbench, in
 * C, gave 21–28 k with 9 % on the same cluster (eight probes each, 2026-12-03).
 */
import type { RunResult } from "./scenarios.ts";
import { round1 } from "./measure.ts";
import { pgBin } from "../../../lib/stack/mod.ts";

const TABLE = "bench_ceiling_inserts";

/** pgbench's summary line: `tps = 27656.123 (without initial connection time)`. */
export function parseTps(output: string): number | null {
  const match = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(output);
  return match ? Number(match[1]) : null;
}

export async function pgCommitRate(
  databaseUrl: string,
  options: { seconds?: number; connections?: number; scriptDir?: string } = {},
): Promise<RunResult> {
  const seconds = options.seconds ?? 3;
  const connections = options.connections ?? 8;
  const scriptDir = options.scriptDir ?? ".zapa";
  const script = `${scriptDir}/bench-pg-ceiling.sql`;
  await Deno.mkdir(scriptDir, { recursive: true });
  await Deno.writeTextFile(script, `INSERT INTO ${TABLE} (payload) VALUES ('ceiling');\n`);
  // Through setpriv, as the stack runs PostgreSQL's own binaries: the one program allowed.
  const pg = async (program: string, args: string[]) => {
    const out = await new Deno.Command("setpriv", {
      args: ["--", `${pgBin()}/${program}`, ...args, databaseUrl],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`${program} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
    return text;
  };
  const psql = (sql: string) => pg("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "-c", sql]);
  await psql(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, ` +
      `at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)`,
  );
  try {
    const output = await pg("pgbench", [
      "--no-vacuum",
      `--client=${connections}`,
      "--jobs=2",
      `--time=${seconds}`,
      `--file=${script}`,
    ]);
    const tps = parseTps(output);
    if (tps === null) throw new Error(`pgbench printed no tps line:\n${output}`);
    return {
      metrics: { pg_commits_per_s: round1(tps), pg_connections: connections },
      figures: { seconds, client: "pgbench" },
    };
  } finally {
    await psql(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  }
}
