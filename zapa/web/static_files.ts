/**
 * Serves the UIs' ES modules, stylesheet and icons from `zapa/web/static/` at `/static/*`
 * (no build step). Only flat file names with a known extension are served; anything else
 * falls through to the next handler, so other `/static/*` routes (e.g. `/static/docs.css`)
 * keep working.
 */
import type { Context, Next } from "hono";

const STATIC_DIR = new URL("./static/", import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
};

const NAME = /^[a-z0-9][a-z0-9_-]*\.(js|css|svg|png)$/;

export async function serveStatic(c: Context, next: Next): Promise<Response | void> {
  const name = c.req.param("name") ?? "";
  const match = NAME.exec(name);
  if (!match) return await next();
  let body: Uint8Array;
  try {
    body = await Deno.readFile(new URL(name, STATIC_DIR));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return await next();
    throw error;
  }
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    "content-type": CONTENT_TYPES[match[1]!]!,
    // Small files, no fingerprints: let browsers revalidate so a deploy shows at once.
    "cache-control": "no-cache",
  });
}
