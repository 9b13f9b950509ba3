/** The mock bridge's logger: one JSON object per line on stdout. Never pass secrets here. */

export type LogFields = Record<string, unknown>;

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    service: "mock-bridge",
    msg,
    ...fields,
  });
  console.log(line);
}

/** Masks a phone number or JID for logs: keeps the first 4 and last 2 digits. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, "");
  if (digits.length <= 6) return "***";
  return `${digits.slice(0, 4)}***${digits.slice(-2)}`;
}
