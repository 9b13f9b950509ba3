/**
 * PostgreSQL access shared by both entrypoints: one pooled `npm:postgres` client and the
 * migration runner. Queries live next to the feature that owns them.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

export interface SqlOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * A pooled client. Connections are opened lazily, so an entrypoint starts even while
 * PostgreSQL is down and recovers on its own once it is back.
 */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 3,
    // postgres.js backs reconnects off up to 20 s after many failures; after an outage the pool
    // must come back within a second (R-OUTAGE-*), so cap the delay at 0.5 s.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "zapa" },
    // Plain JS values: bigint ids stay numbers (they stay far below 2^53 here).
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
}

/** True when a statement broke a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === "23505";
}
