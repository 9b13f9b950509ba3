/**
 * `--profile`, PostgreSQL's side: the statements of the measured runs by total execution time,
 * from pg_stat_statements (loaded into the benchmark's cluster only when profiling). The CPU
 * profile of private shows the time it spends writing to its sockets; this shows what the
 * database does with what it is sent — per statement, its calls, mean time, rows and the
 * buffers it touched per call, which is where a missing index or a write-heavy row shows.
 */
import postgres from "postgres";

/**
 * Server settings that load pg_stat_statements and auto_explain (restart-only: given at boot).
 * auto_explain writes the plan, with the rows and buffers each node really touched, of every
 * statement slower than 20 ms into the stack's postgres.log: the plan a prepared statement
 * really ran, which an EXPLAIN typed afterwards may not reproduce (it found the receipts
 * statement hashing against a sequential scan of every message).
 */
export const PG_PROFILE_SETTINGS: Record<string, string> = {
  shared_preload_libraries: "pg_stat_statements,auto_explain",
  "pg_stat_statements.track": "all",
  "auto_explain.log_min_duration": "20ms",
  "auto_explain.log_analyze": "on",
  "auto_explain.log_buffers": "on",
};

export interface StatementCost {
  /** The normalised statement, whitespace collapsed, cut to 400 characters. */
  query: string;
  calls: number;
  total_ms: number;
  mean_ms: number;
  /** The slowest call: a mean far below it says a few calls carry the cost. */
  max_ms: number;
  rows_per_call: number;
  /** WAL records per call: about one per row or index entry written. */
  wal_per_call: number;
  /** Shared buffers hit or read per call: the pages a call touched. */
  blocks_per_call: number;
  /** % of the execution time of every statement recorded. */
  pct: number;
}

async function withSql<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Creates the extension and forgets what was recorded so far (call after setup). */
export function resetStatements(url: string): Promise<void> {
  return withSql(url, async (sql) => {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
    await sql`SELECT pg_stat_statements_reset()`;
  });
}

/** One statement's counters as pg_stat_statements keeps them (all numbers). */
export interface StatementRow {
  query: string;
  calls: number;
  total_ms: number;
  max_ms: number;
  rows: number;
  blocks: number;
  wal: number;
}

/** The `limit` statements with the most execution time since the reset. */
export function topStatements(url: string, limit = 15): Promise<StatementCost[]> {
  return withSql(url, async (sql) => {
    // float8: the bigint counters would come back as strings.
    const rows = await sql<StatementRow[]>`
      SELECT query, calls::float8 AS calls, total_exec_time AS total_ms,
        max_exec_time AS max_ms, rows::float8 AS rows,
        (shared_blks_hit + shared_blks_read)::float8 AS blocks, wal_records::float8 AS wal
        FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query NOT ILIKE '%pg_stat_statements%'`;
    return rankStatements(rows, limit);
  });
}

/** Sorts by total time and derives the per-call figures and shares (exported for tests). */
export function rankStatements(rows: readonly StatementRow[], limit: number): StatementCost[] {
  const all = rows.reduce((sum, r) => sum + r.total_ms, 0);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return [...rows].sort((a, b) => b.total_ms - a.total_ms).slice(0, limit).map((r) => {
    const calls = Math.max(1, r.calls);
    return {
      query: r.query.replace(/\s+/g, " ").trim().slice(0, 400),
      calls: r.calls,
      total_ms: Math.round(r.total_ms),
      mean_ms: Math.round((r.total_ms / calls) * 1000) / 1000,
      max_ms: r2(r.max_ms),
      rows_per_call: r2(r.rows / calls),
      wal_per_call: r2(r.wal / calls),
      blocks_per_call: r2(r.blocks / calls),
      pct: all > 0 ? Math.round((r.total_ms / all) * 1000) / 10 : 0,
    };
  });
}
