/**
 * PostgreSQL's own ceiling on this box: how many small committed inserts per second the stack's
 * cluster takes from a few connections (pgbench's "simple insert" idea, same cluster, same
 * settings). Every reply Zapa sends costs several such commits, so replies/s ÷ this rate says
 * how close the pipeline runs to its database's ceiling that day.
 */
import postgres from "postgres";
import type { RunResult } from "./scenarios.ts";
import { round1 } from "./measure.ts";

const TABLE = "bench_ceiling_inserts";

export async function pgCommitRate(
  databaseUrl: string,
  options: { seconds?: number; connections?: number } = {},
): Promise<RunResult> {
  const seconds = options.seconds ?? 3;
  const connections = options.connections ?? 8;
  const sql = postgres(databaseUrl, { max: connections, onnotice: () => {} });
  try {
    await sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, ` +
        `at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)`,
    );
    let commits = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await sql`INSERT INTO bench_ceiling_inserts (payload) VALUES (${"ceiling"})`;
        commits++;
      }
    }));
    const elapsedS = (performance.now() - started) / 1000;
    return {
      metrics: { pg_commits_per_s: round1(commits / elapsedS), pg_connections: connections },
      figures: { commits, seconds: round1(elapsedS) },
    };
  } finally {
    await sql.unsafe(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
    await sql.end({ timeout: 1 });
  }
}
