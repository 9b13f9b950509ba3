/**
 * Builds the Hono app both entrypoints start from, with the shared middleware registered once:
 * request id, access log and metrics, body limit (1 MB → 413), 405 and the R-HTTP-8 input rules
 * (`input_guard.ts`), security headers, the R-OUTPUT-1 JSON escaping, `{detail}` errors (422 for
 * validation, 404/409 for writes that lost a race, 503 for dependency outages, never a stack).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { ApiError, SERVICE_UNAVAILABLE } from "./errors.ts";
import { isDependencyError } from "../outage.ts";
import { escapeJsonText, isMarkedEscaped, JSON_CONTENT_TYPE, safeStringify } from "./json.ts";
import type { MetricsRegistry } from "./metrics.ts";
import { validatingHono, validationDetail } from "./router.ts";
import { ApiSurface } from "./surface.ts";
import { inputGuard } from "./input_guard.ts";
import { postgresErrorResponse } from "./postgres_errors.ts";
import { errorText, log } from "../log.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppOptions {
  service: "zapa-private" | "zapa-public";
  metrics: MetricsRegistry;
}

export type App = OpenAPIHono;

/** Renders the R-HTTP-3 error body; `detail` may be a string or a list of validation issues. */
export function errorResponse(
  status: number,
  detail: unknown,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Response {
  return new Response(safeStringify({ ...extra, detail }), {
    status,
    headers: { "content-type": JSON_CONTENT_TYPE, "x-content-type-options": "nosniff", ...headers },
  });
}

export { validationDetail };

export function createApp(options: AppOptions): App {
  const app = validatingHono();

  app.use("*", async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || crypto.randomUUID();
    const started = performance.now();
    c.header("X-Request-Id", requestId);
    await next();
    const res = c.res;
    res.headers.set("X-Content-Type-Options", "nosniff");
    const type = res.headers.get("content-type") ?? "";
    if (type.startsWith("application/json") && res.body && !isMarkedEscaped(res)) {
      const text = await res.text();
      const headers = new Headers(res.headers);
      headers.set("content-type", JSON_CONTENT_TYPE);
      headers.delete("content-length");
      c.res = new Response(escapeJsonText(text), { status: res.status, headers });
    }
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    options.metrics.inc("zapa_http_requests_total", "HTTP requests by route and status", {
      service: options.service,
      method: c.req.method,
      route,
      status: c.res.status,
    });
    options.metrics.observe("zapa_http_request_duration_seconds", "HTTP request latency", {
      service: options.service,
      route,
    }, seconds);
    if (c.res.status >= 500) {
      log.warn("request failed", {
        request_id: requestId,
        method: c.req.method,
        route,
        status: c.res.status,
      });
    }
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.body(safeStringify({ detail: "Request body too large" }), 413, {
          "content-type": JSON_CONTENT_TYPE,
        }),
    }),
  );

  // 405 and the input rules of R-HTTP-8, derived from the app's own routes and document.
  app.use("*", inputGuard(new ApiSurface(app), errorResponse));

  app.notFound((c) => errorResponseFor(c, 404, "Not Found"));

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      return errorResponse(error.status, error.detail, error.headers, error.extra);
    }
    if (error instanceof HTTPException) {
      // Hono raises these for unparsable bodies: R-LOGIN-5 asks for 422 there.
      const status = error.status === 400 ? 422 : error.status;
      return errorResponse(status, error.message || "Invalid request");
    }
    if (isDependencyError(error)) {
      log.warn("dependency unavailable", { path: c.req.path, error: errorText(error) });
      return errorResponse(503, SERVICE_UNAVAILABLE, { "Retry-After": "1" });
    }
    const mapped = postgresErrorResponse(error);
    if (mapped) {
      log.info("request refused by a database constraint", {
        path: c.req.path,
        method: c.req.method,
        status: mapped.status,
        error: errorText(error),
      });
      return errorResponse(mapped.status, mapped.detail, mapped.headers);
    }
    log.error("unhandled error", {
      path: c.req.path,
      method: c.req.method,
      error: errorText(error),
    });
    return errorResponse(500, "Internal server error");
  });

  return app;
}

function errorResponseFor(_c: Context, status: number, detail: string): Response {
  return errorResponse(status, detail);
}

/** Parses a JSON body into an object, or throws the 422 of R-HTTP-3 (arrays and scalars refused). */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(422, "Request body must be valid JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(422, "Request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}
