/**
 * The one answer to "is this error a store or the bridge being unreachable?" — an outage, to
 * wait out and retry (workers) or to answer with 503 (HTTP), never a bug in the request. It
 * recognises what npm:postgres and ioredis raise when their server is down, starting up or
 * gone mid-statement, and our own `DependencyUnavailable`.
 */
import { DependencyUnavailable } from "./http/errors.ts";

const CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // admin_shutdown, crash_shutdown, cannot_connect_now
  "57P01",
  "57P02",
  "57P03",
  // undefined_table: the schema is not there yet (private migrates it when it starts)
  "42P01",
]);

const MESSAGES =
  /connect E[A-Z]+|ECONNREFUSED|Connection is closed|Connection terminated|enableOfflineQueue|Command timed out|Stream isn't writeable|terminating connection|the database system is/i;

/** True when `error` means PostgreSQL, Redis or the bridge cannot serve right now. */
export function isDependencyError(error: unknown): boolean {
  if (error instanceof DependencyUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? "");
  // SQLSTATE class 08: connection exception
  return CODES.has(code) || code.startsWith("08") || MESSAGES.test(error.message);
}
