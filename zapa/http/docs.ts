/**
 * The `/docs` page of both entrypoints (R-OPS-4): Swagger UI rendering the entrypoint's
 * own `/openapi.json`, with schemas and "Try it out". Swagger UI comes from the npm registry
 * (`swagger-ui-dist`), imported as bytes and served from `/static/`, so no CDN is involved;
 * its configuration is a static ES module, so the page has no inline script or style.
 */
import { html } from "hono/html";
import type { App } from "./app.ts";
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "bytes" };
import styles from "swagger-ui-dist/swagger-ui.css" with { type: "bytes" };

/** Starts Swagger UI once its bundle (a classic script, loaded first) has defined it. */
const DOCS_JS = `// Swagger UI for this entrypoint's OpenAPI document.
const ui = globalThis.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  defaultModelsExpandDepth: 1,
  displayRequestDuration: true,
  persistAuthorization: false,
  tryItOutEnabled: false,
});
globalThis.zapaDocs = ui;
`;

const DOCS_CSS = `body{margin:0;background:#fff;color:#1d2430;font:15px/1.5 system-ui,sans-serif}
.docs-head{max-width:1460px;margin:0 auto;padding:20px 20px 0}
.docs-head h1{margin:0 0 4px;font-size:24px}.docs-head p{margin:0;color:#5a6675}
.docs-head a{color:#0b6e4f}`;

const ASSETS: Record<string, { body: Uint8Array<ArrayBuffer> | string; type: string }> = {
  "/static/swagger-ui-bundle.js": { body: bundle, type: "text/javascript; charset=utf-8" },
  "/static/swagger-ui.css": { body: styles, type: "text/css; charset=utf-8" },
  "/static/docs.js": { body: DOCS_JS, type: "text/javascript; charset=utf-8" },
  "/static/docs.css": { body: DOCS_CSS, type: "text/css; charset=utf-8" },
};

function page(title: string) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title} — API reference</title>
    <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/static/swagger-ui.css">
    <link rel="stylesheet" href="/static/docs.css">
    <script src="/static/swagger-ui-bundle.js"></script>
    <script type="module" src="/static/docs.js"></script>
  </head>
  <body>
    <header class="docs-head">
      <p>Rendered from <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). "Try it out" sends
        real requests to this server; protected routes need "Authorize" with a bearer token.</p>
    </header>
    <main id="swagger-ui"></main>
  </body>
</html>`;
}

export function registerDocs(app: App, title: string): void {
  app.get("/docs", (c) => c.html(page(title)));
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, (c) =>
      c.body(asset.body as string, 200, {
        "content-type": asset.type,
        // The bundle only changes with the lockfile; a day of caching spares 1.7 MB per visit.
        "cache-control": path.includes("swagger-ui") ? "public, max-age=86400" : "no-cache",
      }));
  }
}
