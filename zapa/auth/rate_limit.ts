/**
 * Rolling-window rate limits in Redis (R-RATE-*): one sorted set per subject under
 * `zapa:ratelimit:*`, scored by request time. All windows of one request are checked and
 * recorded in a single Lua script, so concurrent requests cannot slip past a limit, and a
 * rejected request is recorded nowhere ("rejected requests do not count").
 */
import type { Redis } from "../redis.ts";
import { DependencyUnavailable } from "../http/errors.ts";

export interface RateLimit {
  /** Full Redis key, `zapa:ratelimit:…`. */
  key: string;
  limit: number;
  windowMs: number;
}

export type RateDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; key: string };

// KEYS: the windows. ARGV: now, member, then limit and window (ms) for each key.
// Returns {0} when allowed, or {index (1-based) of the first full window, ms until it frees}.
const SCRIPT = `
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local wait = window
    if oldest[2] then wait = tonumber(oldest[2]) + window - now end
    return {i, wait}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
end
return {0}
`;

export const RATE_LIMIT_PREFIX = "zapa:ratelimit:";

/** The two windows of `POST /auth/request-code`: per phone and per client IP. */
export function codeRequestLimits(
  phone: string,
  ip: string,
  limits: { perPhone: number; perIp: number },
): RateLimit[] {
  const windowMs = 3_600_000;
  return [
    { key: `${RATE_LIMIT_PREFIX}auth-code:phone:${phone}`, limit: limits.perPhone, windowMs },
    { key: `${RATE_LIMIT_PREFIX}auth-code:ip:${ip}`, limit: limits.perIp, windowMs },
  ];
}

/**
 * Checks every window and, only if all have room, records this request in each. Redis
 * trouble raises `DependencyUnavailable` (→ 503): without the limiter we do not send codes.
 */
export async function consumeRateLimits(
  redis: Redis,
  limits: RateLimit[],
  options: { now?: number } = {},
): Promise<RateDecision> {
  const now = options.now ?? Date.now();
  const member = `${now}:${crypto.randomUUID()}`;
  const args: (string | number)[] = [now, member];
  for (const l of limits) args.push(l.limit, l.windowMs);
  let result: unknown;
  try {
    result = await redis.eval(SCRIPT, limits.length, ...limits.map((l) => l.key), ...args);
  } catch (error) {
    throw new DependencyUnavailable("redis", error);
  }
  const [index, waitMs] = result as [number, number?];
  if (index === 0) return { allowed: true };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil(Number(waitMs ?? 0) / 1000)),
    key: limits[index - 1]!.key,
  };
}
