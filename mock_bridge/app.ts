/**
 * Builds the mock bridge's two Hono apps from one state object, so tests can call
 * `app.request()` in-process: the API app (zapw + `/__mock` + simulator) for `PORT`, and
 * the control app (`/health`, `/__mock`, simulator) for `MOCK_CONTROL_PORT`.
 */
import { Hono } from "hono";
import { apiGuard } from "./http.ts";
import { log } from "./log.ts";
import { controlHealth, mockRoutes } from "./mock_routes.ts";
import { pageRoutes } from "./page.ts";
import type { BridgeState } from "./state.ts";
import { zapwRoutes } from "./zapw_routes.ts";

function withErrors(app: Hono): Hono {
  app.notFound((c) => c.json({ status: "error", error: "Not found" }, 404));
  app.onError((err, c) => {
    // Never a stack trace to the client; the log line keeps the reason.
    log("error", "unhandled error", { path: c.req.path, error: err.message });
    return c.json({ status: "error", error: "Internal Server Error" }, 500);
  });
  return app;
}

export function createApiApp(state: BridgeState): Hono {
  const app = new Hono({ strict: false });
  app.use(apiGuard(state));
  app.route("/__mock", mockRoutes(state));
  app.route("/", pageRoutes());
  app.route("/", zapwRoutes(state));
  return withErrors(app);
}

export function createControlApp(state: BridgeState): Hono {
  const app = new Hono({ strict: false });
  app.route("/__mock", mockRoutes(state));
  // The harness may probe the control port with the same path as the API port.
  app.get("/health", (c) => c.json(controlHealth(state)));
  app.route("/", pageRoutes());
  return withErrors(app);
}
