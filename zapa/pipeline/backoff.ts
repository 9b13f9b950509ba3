/**
 * Retry delays (R-DELIVERY-2): `min(base × 2^(attempts−1), max)` plus up to 10 % jitter, so a
 * crowd of jobs that failed together does not retry in lock-step.
 */

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/** Delay before the next try after `attempts` failed tries (attempts ≥ 1). */
export function retryDelay(
  attempts: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(attempts - 1, 30));
  const delay = Math.min(settings.baseMs * 2 ** exponent, settings.maxMs);
  return Math.round(delay + delay * 0.1 * random());
}
