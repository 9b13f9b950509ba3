/**
 * Operations endpoints shared by both entrypoints (contract §3): `/health`, `/ready`,
 * `/metrics`, `/openapi.json` and the `/docs` reference page, each also under `/api/v1`.
 */
import { html } from "hono/html";
import type { App } from "./app.ts";
import { errorResponse } from "./app.ts";
import type { MetricsRegistry } from "./metrics.ts";
import type { Config } from "../config.ts";
import { errorText } from "../log.ts";

/** A readiness probe: resolves when the dependency is usable, throws with a reason otherwise. */
export type ReadinessCheck = () => Promise<Record<string, unknown> | void>;

export interface CheckResult {
  status: "up" | "down";
  latency_ms: number;
  error?: string;
  [extra: string]: unknown;
}

export interface OpsOptions {
  service: "zapa-private" | "zapa-public";
  config: Config;
  metrics: MetricsRegistry;
  checks: Record<string, ReadinessCheck>;
  title: string;
}

const CHECK_TIMEOUT_MS = 2_000;

/** Runs every check in parallel with a timeout; never throws. */
export async function runChecks(
  checks: Record<string, ReadinessCheck>,
): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const extra = await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("check timed out")), CHECK_TIMEOUT_MS);
          }),
        ]);
        return [name, { status: "up", latency_ms: elapsed(started), ...(extra ?? {}) }];
      } catch (error) {
        return [name, { status: "down", latency_ms: elapsed(started), error: errorText(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

export function registerOps(app: App, options: OpsOptions): void {
  const { service, config } = options;
  const health = () => ({
    status: "healthy",
    service,
    version: config.version,
    environment: config.env,
  });
  for (const prefix of ["", "/api/v1"]) {
    app.get(`${prefix}/health`, (c) => c.json(health()));
    app.get(`${prefix}/ready`, async (c) => {
      const checks = await runChecks(options.checks);
      const failed = Object.entries(checks).filter(([, r]) => r.status === "down").map(([n]) => n);
      if (failed.length === 0) return c.json({ status: "ready", service, checks });
      return c.json({ status: "not_ready", service, failed, checks }, 503);
    });
    app.get(`${prefix}/metrics`, async (c) => {
      if (
        config.metricsToken && c.req.header("authorization") !== `Bearer ${config.metricsToken}`
      ) {
        return errorResponse(401, "Could not validate credentials", {
          "WWW-Authenticate": "Bearer",
        });
      }
      return c.body(await options.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      });
    });
  }

  const document = () =>
    app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: options.title, version: config.version },
    });
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/api/v1/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => c.html(renderDocs(options.title, document() as unknown as OpenApiDoc)));
  app.get(
    "/static/docs.css",
    (c) => c.body(DOCS_CSS, 200, { "content-type": "text/css; charset=utf-8" }),
  );
}

interface OpenApiDoc {
  paths?: Record<
    string,
    Record<string, { summary?: string; description?: string; tags?: string[] }>
  >;
}

function renderDocs(title: string, doc: OpenApiDoc) {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op }))
  );
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title} — API reference</title>
        <link rel="stylesheet" href="/static/docs.css">
      </head>
      <body>
        <main>
          <h1>${title} — API reference</h1>
          <p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
          <table>
            <thead>
              <tr>
                <th>Method</th>
                <th>Path</th>
                <th>Summary</th>
              </tr>
            </thead>
            <tbody>
    ${rows.map((r) =>
      html`
        <tr>
          <td class="m">${r.method}</td>
          <td><code>${r.path}</code></td>
          <td>${r.op.summary ?? r.op.description ?? ""}</td>
        </tr>
      `
    )}
            </tbody>
          </table>
        </main>
      </body>
    </html>
  `;
}

const DOCS_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:960px;margin:0 auto;padding:24px}table{width:100%;border-collapse:collapse;background:#fff}
th,td{padding:8px 10px;border-bottom:1px solid #e3e6ea;text-align:left}.m{font-weight:600;color:#0b6e4f}
code{font-size:14px}`;
