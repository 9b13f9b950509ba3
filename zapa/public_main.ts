/**
 * The public entrypoint (:8002): code login, the messages API, AI settings and the dashboard.
 * It starts even with PostgreSQL or Redis down (the clients reconnect on their own and `/ready`
 * says what is missing); migrations are the private entrypoint's job. SIGTERM and SIGINT stop
 * it gracefully.
 */
import { serveUntilSignal, startService } from "./entrypoint.ts";
import { createPublicApp } from "./public_app.ts";

const deps = await startService("zapa-public", {
  sqlMax: 20,
  // 1 s, not the 200 ms fail-fast default: a busy box must not turn sign-ins into 503s.
  redis: { commandTimeoutMs: 1_000 },
});
serveUntilSignal(deps, deps.config.publicPort, createPublicApp(deps).fetch);
