/**
 * The private entrypoint (:8001): webhook intake, the workers (ingest, agent, delivery,
 * sweeper) and the admin API, assembled by `private_service.ts`. It starts even with
 * PostgreSQL, Redis or the bridge down, migrates under the advisory lock once PostgreSQL
 * answers, then starts the workers; SIGTERM and SIGINT stop it gracefully.
 */
import { serveUntilSignal, startService } from "./entrypoint.ts";
import { assemblePrivate } from "./private_service.ts";

// The admin API waits for Redis as long as the public API does; the webhook keeps 200 ms.
const deps = await startService("zapa-private", {
  sqlMax: 8,
  adminRedis: { commandTimeoutMs: 1_000 },
});

// The workers run in their own thread; this one acknowledges webhooks and serves the API.
const service = assemblePrivate(deps);

serveUntilSignal(deps, deps.config.privatePort, service.app.fetch, {
  onStop: () => service.halt(),
  beforeClose: () => service.stop(),
});

void service.boot();
