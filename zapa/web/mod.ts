/**
 * The two web UIs (R-UI-*), as Hono routers the app assemblers mount at the root:
 * `dashboardPages(deps)` — the user dashboard at `/` (public entrypoint) — and
 * `adminConsolePages(deps)` — the admin console at `/admin` (private entrypoint). Both
 * serve the shared static files at `/static/*` and apply the R-OUTPUT-2 page headers themselves, so
 * they are safe even on an app that forgot `htmlSecurityHeaders()`.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import type { Deps } from "../deps.ts";
import { htmlSecurityHeaders } from "../http/html.ts";
import { serveStatic } from "./static_files.ts";
import { DashboardPage } from "./dashboard_page.tsx";
import { AdminPage } from "./admin_page.tsx";

type PageDeps = Pick<Deps, "config">;

function pageRouter(): Hono {
  const app = new Hono({ strict: false });
  app.use("*", htmlSecurityHeaders());
  app.get("/static/:name", serveStatic);
  return app;
}

export function dashboardPages(deps: PageDeps): Hono {
  const app = pageRouter();
  const page = () =>
    html`<!doctype html>${DashboardPage({ systemNumber: deps.config.whatsapp.systemNumber })}`;
  app.get("/", (c) => c.html(page()));
  app.get("/index.html", (c) => c.html(page()));
  return app;
}

export function adminConsolePages(_deps: PageDeps): Hono {
  const app = pageRouter();
  const page = () => html`<!doctype html>${AdminPage()}`;
  // Both spellings, whether or not the app that mounts us is strict about slashes.
  app.get("/admin", (c) => c.html(page()));
  app.get("/admin/", (c) => c.html(page()));
  return app;
}
