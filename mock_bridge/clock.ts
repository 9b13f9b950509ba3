/**
 * Wall-clock milliseconds with a sub-millisecond fraction, for the journal's `at` (a round trip
 * through a fast loop is a few ms, where whole milliseconds would be a 30 % error).
 *
 * `performance.timeOrigin + performance.now()` alone is the monotonic clock anchored once, at
 * process start; when the system clock is slewed (NTP, a VM restored from a snapshot) it drifts
 * from `Date.now()` by a millisecond or more within seconds (seen 2026-12-03: a send's timestamp
 * after the caller's `Date.now()`, and a receipt ordered before its send against another
 * process's records). So its fraction is kept only inside the wall clock's current
 * millisecond: `Math.floor(preciseNow()) === Date.now()` at the moment of the call.
 */
export function preciseNow(): number {
  const wall = Date.now();
  const precise = performance.timeOrigin + performance.now();
  return Math.min(Math.max(precise, wall), wall + 0.999);
}
