/**
 * The private entrypoint (:8001): webhook intake, the workers (ingest, agent, delivery,
 * sweeper) and the admin API. It starts even with PostgreSQL, Redis or the bridge down,
 * migrates under the advisory lock once PostgreSQL answers, then starts the workers; SIGTERM
 * and SIGINT stop it gracefully.
 */
import { migrate } from "./db/migrate.ts";
import { firstConnection } from "./redis.ts";
import { errorText, log } from "./log.ts";
import { serveUntilSignal, startService } from "./entrypoint.ts";
import { createWebhook, type PipelineHandle } from "./pipeline/mod.ts";
import { PipelineThread } from "./pipeline/thread.ts";
import { StatusParking } from "./pipeline/statuses.ts";
import { createPrivateApp } from "./private_app.ts";

const deps = await startService("zapa-private", { sqlMax: 8 });

// The workers run in their own thread; this one acknowledges webhooks and serves the API.
const thread = new PipelineThread(deps.metrics);
let markSchemaReady!: () => void;
const schemaReady = new Promise<void>((resolve) => (markSchemaReady = resolve));
const pipeline: PipelineHandle = {
  webhook: createWebhook(deps, {
    parking: new StatusParking(deps),
    onPending: (userId) => thread.notifyAgent(userId),
    onDrained: () => thread.kickDelivery(),
    schemaReady,
  }),
  activity: () => thread.activity(),
};

let stopping = false;
let booting: Promise<void> = Promise.resolve();
serveUntilSignal(deps, deps.config.privatePort, createPrivateApp(deps, pipeline).fetch, {
  onStop: () => (stopping = true),
  beforeClose: async () => {
    await booting.catch(() => {});
    await thread.stop();
  },
});

/** Migrates once PostgreSQL answers (retrying), then starts the workers and the session events. */
async function boot(): Promise<void> {
  let attempt = 0;
  while (!stopping) {
    try {
      const applied = await migrate(deps.sql);
      if (applied.length) log.info("migrations applied", { versions: applied });
      break;
    } catch (error) {
      attempt++;
      if (attempt === 1 || attempt % 30 === 0) {
        log.warn("database not ready, retrying migrations", { error: errorText(error) });
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  if (!stopping) thread.start();
  // Session events wait for the schema, and briefly for Redis, so that a `session.connected`
  // sent while we boot is mirrored and drains the queue instead of being dropped.
  if (!stopping) await firstConnection(deps.redis, 5_000);
  markSchemaReady();
}
booting = boot();
