/**
 * Headers every HTML page carries (R-OUTPUT-2): a strict CSP with no inline script or
 * style, no framing, no referrer.
 */
import type { MiddlewareHandler } from "hono";

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export const HTML_SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};

/** Adds the page headers to every `text/html` response. Register once, on the app. */
export function htmlSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if ((c.res.headers.get("content-type") ?? "").startsWith("text/html")) {
      for (const [k, v] of Object.entries(HTML_SECURITY_HEADERS)) c.res.headers.set(k, v);
    }
  };
}
