/**
 * Planning arithmetic for the load scripts: k6 duration strings to milliseconds, so a script
 * can size what its run will write (e.g. the bridge journal) from its own profile. Kept here,
 * not imported from the runner, because scripts may import only k6 modules and their own files.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `"1m30s"` → 90 000; throws on anything else, so a typo in a profile cannot pass silently. */
export function parseMs(duration: string): number {
  let total = 0;
  let consumed = 0;
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== duration.length) {
    throw new Error(`invalid duration ${JSON.stringify(duration)}`);
  }
  return total;
}
