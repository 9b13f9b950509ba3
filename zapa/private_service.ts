/**
 * The private entrypoint assembled, without the process around it: the app (webhook, admin
 * API, console) wired to the pipeline's workers — by default in their own thread, as shipped —
 * and the boot that migrates once PostgreSQL answers, then starts the workers. `private_main.ts`
 * serves it until a signal; `private_service_test.ts` runs the very same assembly in-process.
 */
import type { Deps } from "./deps.ts";
import type { App } from "./http/app.ts";
import { migrate } from "./db/migrate.ts";
import { firstConnection } from "./redis.ts";
import { errorText, log } from "./log.ts";
import { assemblePipeline, PipelineThread, type Workers } from "./pipeline/mod.ts";
import { createPrivateApp } from "./private_app.ts";

export interface PrivateService {
  readonly app: App;
  /**
   * Migrates once PostgreSQL answers (retrying), then starts the workers; resolves once session
   * events may be mirrored (the schema is there, Redis answered or 5 s passed).
   */
  boot(): Promise<void>;
  /** Stops booting: no migration retry or worker start after this. */
  halt(): void;
  /** Halts, waits for the boot to settle, then stops the workers (bounded). */
  stop(): Promise<void>;
}

export function assemblePrivate(
  deps: Deps,
  workers: Workers = new PipelineThread(deps.config, deps.metrics),
): PrivateService {
  let markSchemaReady!: () => void;
  const schemaReady = new Promise<void>((resolve) => (markSchemaReady = resolve));
  const pipeline = assemblePipeline(deps, workers, { schemaReady });
  const app = createPrivateApp(deps, pipeline);
  let stopping = false;
  let booting: Promise<void> = Promise.resolve();

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
    if (!stopping) await workers.start();
    // Session events wait for the schema, and briefly for Redis, so that a `session.connected`
    // sent while we boot is mirrored and drains the queue instead of being dropped.
    if (!stopping) await firstConnection(deps.redis, 5_000);
    markSchemaReady();
  }

  return {
    app,
    boot: () => (booting = boot()),
    halt: () => (stopping = true),
    async stop() {
      stopping = true;
      await booting.catch(() => {});
      await workers.stop();
    },
  };
}
