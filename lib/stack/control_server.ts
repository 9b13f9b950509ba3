/**
 * The service-control HTTP API of R-HARNESS-2: loopback only, Bearer token, so failure tests
 * can stop, kill, start and restart services without `--allow-run`. Also `POST /shutdown`,
 * which `deno task down` uses to stop a stack started in another terminal.
 */

import { Hono } from "hono";
import type { ServiceController } from "./controller.ts";
import { ServiceStartError } from "./readiness.ts";
import { isServiceName } from "./services.ts";

export interface ControlServerOptions {
  controller: ServiceController;
  token: string;
  /** 0 = any free port. */
  port?: number;
  /** Called by POST /shutdown after the answer went out. */
  onShutdown?: () => void;
}

export interface ControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ACTIONS = ["stop", "kill", "start", "restart"] as const;
type Action = typeof ACTIONS[number];

/** Constant-time comparison of the presented token with ours. */
function sameToken(presented: string, expected: string): boolean {
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0;
}

export function controlApp(options: ControlServerOptions): Hono {
  const { controller } = options;
  const known = (name: string) => controller.knows?.(name) ?? isServiceName(name);
  const app = new Hono();
  app.use("*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!token || !sameToken(token, options.token)) {
      return c.json({ detail: "Could not validate credentials" }, 401, {
        "WWW-Authenticate": "Bearer",
      });
    }
    await next();
  });
  app.get("/services", async (c) => c.json({ services: await controller.list() }));
  app.get("/services/:name/logs", async (c) => {
    const name = c.req.param("name");
    if (!known(name)) return c.json({ detail: `unknown service ${name}` }, 404);
    const requested = Number(c.req.query("lines") ?? 100);
    const lines = Number.isInteger(requested) && requested > 0 ? Math.min(requested, 10_000) : 100;
    return c.text(await controller.logs(name, lines));
  });
  app.post("/services/:name/:action", async (c) => {
    const name = c.req.param("name");
    const action = c.req.param("action") as Action;
    if (!known(name)) return c.json({ detail: `unknown service ${name}` }, 404);
    if (!ACTIONS.includes(action)) return c.json({ detail: `unknown action ${action}` }, 404);
    try {
      await controller[action](name);
    } catch (error) {
      if (error instanceof ServiceStartError) {
        return c.json({ detail: error.message, name, log_tail: error.logTail }, 504);
      }
      return c.json({ detail: `${action} ${name} failed: ${(error as Error).message}` }, 500);
    }
    const state = action === "stop" || action === "kill" ? "stopped" : "running";
    return c.json({ name, state });
  });
  app.post("/shutdown", (c) => {
    setTimeout(() => options.onShutdown?.(), 10);
    return c.json({ status: "shutting down" });
  });
  app.notFound((c) => c.json({ detail: "Not found" }, 404));
  app.onError((error, c) => c.json({ detail: `control error: ${error.message}` }, 500));
  return app;
}

export function startControlServer(options: ControlServerOptions): ControlServer {
  const app = controlApp(options);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    app.fetch,
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => server.shutdown(),
  };
}
