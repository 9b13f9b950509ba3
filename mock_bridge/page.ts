/**
 * The phone-simulator page (`/`), the control page (`/__mock/`) and their static files (ES
 * modules + CSS, no build step). Served with the CSP of R-OUTPUT-2: no inline script or style.
 */
import { Hono } from "hono";

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/static/simulator.js": { file: "simulator.js", type: "text/javascript; charset=utf-8" },
  "/static/simulator.css": { file: "simulator.css", type: "text/css; charset=utf-8" },
  "/static/simulator_chats.js": {
    file: "simulator_chats.js",
    type: "text/javascript; charset=utf-8",
  },
  "/static/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
  "/__mock": { file: "control.html", type: "text/html; charset=utf-8" },
  "/static/control.js": { file: "control.js", type: "text/javascript; charset=utf-8" },
  "/static/control_journals.js": {
    file: "control_journals.js",
    type: "text/javascript; charset=utf-8",
  },
  "/static/control.css": { file: "control.css", type: "text/css; charset=utf-8" },
};

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

async function load(file: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const hit = cache.get(file);
  if (hit) return hit;
  try {
    const bytes = await Deno.readFile(new URL(`./static/${file}`, import.meta.url));
    cache.set(file, bytes);
    return bytes;
  } catch {
    return undefined;
  }
}

export function pageRoutes(): Hono {
  const app = new Hono({ strict: false });
  for (const [path, { file, type }] of Object.entries(FILES)) {
    app.get(path, async (c) => {
      const bytes = await load(file);
      if (!bytes) return c.json({ status: "error", error: "Simulator files unavailable" }, 404);
      c.header("Content-Type", type);
      c.header("Content-Security-Policy", CSP);
      c.header("X-Frame-Options", "DENY");
      c.header("Referrer-Policy", "no-referrer");
      c.header("X-Content-Type-Options", "nosniff");
      c.header("Cache-Control", "no-cache");
      return c.body(bytes);
    });
  }
  // Browsers ask for it on every page; an empty answer keeps their consoles clean.
  app.get("/favicon.ico", (c) => c.body(null, 204));
  return app;
}
