/**
 * Readiness: a service counts as started only once its health probe passes. A probe that does
 * not pass before the deadline, or a process that exits meanwhile, fails the start with the
 * tail of the service's log, so the reason is on screen.
 */

import postgres from "postgres";
import { type RunningProcess, tailFile } from "./process.ts";

export const START_DEADLINE_MS = 30_000;
export const FAILURE_LOG_LINES = 40;

export class ServiceStartError extends Error {
  override name = "ServiceStartError";
  constructor(readonly service: string, reason: string, readonly logTail: string) {
    super(
      `${service} ${reason}` +
        (logTail
          ? `\n--- last lines of the ${service} log ---\n${logTail}`
          : " (its log is empty)"),
    );
  }
}

export type Probe = () => Promise<boolean>;

/** GET `url` answers 2xx within a second. */
export function httpProbe(url: string): Probe {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  };
}

/** Redis answers PING with +PONG (raw RESP: no client library needed for one command). */
export function redisProbe(port: number): Probe {
  return async () => {
    let conn: Deno.TcpConn | undefined;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const timer = setTimeout(() => conn?.close(), 1_000);
      const n = await conn.read(buffer).finally(() => clearTimeout(timer));
      return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
    } catch {
      return false;
    } finally {
      try {
        conn?.close();
      } catch {
        // closed by the timer
      }
    }
  };
}

/** PostgreSQL accepts a connection and runs a query (TCP alone is up before it accepts queries). */
export function postgresProbe(url: string): Probe {
  return async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 1, idle_timeout: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 0 }).catch(() => {});
    }
  };
}

export interface WaitOptions {
  service: string;
  probe: Probe;
  process: RunningProcess;
  logFile: string;
  /** Absolute deadline (performance.now() clock). */
  deadline: number;
}

/** Polls the probe until it passes; throws ServiceStartError on exit or deadline. */
export async function waitHealthy(options: WaitOptions): Promise<void> {
  const allowed = seconds(options.deadline - performance.now());
  let interval = 10;
  while (true) {
    const status = options.process.status;
    if (status) {
      await options.process.exited;
      throw new ServiceStartError(
        options.service,
        `exited during start-up (code ${status.code}${status.signal ? `, ${status.signal}` : ""})`,
        await tailFile(options.logFile, FAILURE_LOG_LINES),
      );
    }
    if (await options.probe()) return;
    if (performance.now() >= options.deadline) {
      throw new ServiceStartError(
        options.service,
        `did not become healthy within ${allowed} s`,
        await tailFile(options.logFile, FAILURE_LOG_LINES),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 100);
  }
}

/**
 * Waits until every `/ready` URL answers 200 (404 counts as ready: an entrypoint without the
 * route); on the deadline throws ServiceStartError with the last answer and the log tail.
 */
export async function waitReady(
  targets: readonly { service: string; url: string; logFile: string }[],
  deadline: number,
): Promise<void> {
  const allowed = seconds(deadline - performance.now());
  await Promise.all(targets.map(async ({ service, url, logFile }) => {
    let last = "";
    while (true) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        last = `${response.status} ${(await response.text()).slice(0, 500)}`;
        if (response.ok || response.status === 404) return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (performance.now() >= deadline) {
        throw new ServiceStartError(
          service,
          `did not become ready within ${allowed} s; last /ready answer: ${last}`,
          await tailFile(logFile, FAILURE_LOG_LINES),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }));
}

/** A wait's length for a message: "30", "1.5". */
function seconds(ms: number): string {
  return String(Math.max(0, Math.round(ms / 100) / 10));
}
