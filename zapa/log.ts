/**
 * The one logger: JSON lines on stdout with a level, a message and fields. Secrets are never
 * passed in; phone numbers go through `maskPhone` first.
 */

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let minimum: Level = "info";
let service = "zapa";

export function configureLog(options: { service?: string; level?: Level }): void {
  if (options.service) service = options.service;
  if (options.level) minimum = options.level;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[minimum]) return;
  const line: Record<string, unknown> = { ts: new Date().toISOString(), level, service, msg };
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      line[k] = v instanceof Error ? `${v.name}: ${v.message}` : v;
    }
  }
  console.log(JSON.stringify(line));
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};

/** `+15551234567` → `+155***4567`: enough to correlate, not enough to identify. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return "";
  if (phone.length <= 7) return "***";
  return `${phone.slice(0, 4)}***${phone.slice(-4)}`;
}

/** A short error description safe for logs (never a stack, never a request body). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
