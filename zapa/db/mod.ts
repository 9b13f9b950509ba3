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

/** True for errors that mean "the database is unreachable", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? "";
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "CONNECT_TIMEOUT" ||
    code === "CONNECTION_CLOSED" || code === "CONNECTION_ENDED" ||
    code === "CONNECTION_DESTROYED" ||
    code === "57P01" || code === "57P02" || code === "57P03" || code.startsWith("08") ||
    /connect|ECONNREFUSED|terminating connection/i.test(error.message);
}

/** True when a statement broke a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: string }).code === "23505";
}
