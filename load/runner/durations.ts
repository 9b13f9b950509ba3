/**
 * k6 duration strings ("1h2m3s", "500ms", "1.5s") to milliseconds and back, so scenario
 * options and request timeouts read exactly as they do under k6.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses a k6 duration; a bare number (or numeric string) is taken as milliseconds. */
export function parseDuration(value: string | number | undefined, fallbackMs?: number): number {
  if (value === undefined || value === null || value === "") {
    if (fallbackMs !== undefined) return fallbackMs;
    throw new Error("a duration is required");
  }
  if (typeof value === "number") return value;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(PART)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new Error(`invalid duration ${JSON.stringify(value)}`);
  }
  return total;
}

/** Formats milliseconds the way k6 prints durations in its scenario banner ("1m30s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 100) / 10;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest = Math.round((rest - m * 60) * 10) / 10;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${rest ? `${rest}s` : h || m ? "" : "0s"}`;
}

/** "01m05.3s" as in k6's `running (…)` progress line. */
export function formatClock(ms: number): string {
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = (totalS % 60).toFixed(1).padStart(4, "0");
  return `${h ? `${String(h).padStart(2, "0")}h` : ""}${String(m).padStart(2, "0")}m${s}s`;
}
