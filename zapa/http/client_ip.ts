/**
 * The client IP for rate limits and audit: the socket peer, or — only when `TRUST_PROXY` is
 * set — the first address of `X-Forwarded-For`.
 */
import type { Context } from "hono";
import { getConnInfo } from "hono/deno";

export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // In-process requests (app.request in tests) have no socket.
    return "local";
  }
}
